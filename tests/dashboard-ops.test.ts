/**
 * The operations dashboards and alert rules (docker/grafana, docker/prometheus) against the code:
 * `promtool` accepts the rules and the Prometheus config and passes the rules' unit tests, and
 * every metric they name is one a real `sillage start` serves on /metrics. Also: start serves
 * /dashboard/ to the admin and the analyst token.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, freePort, repoRoot, startPipeline, tempDir, type Pipeline } from './helpers/pipeline.js'

const PROMTOOL = '/usr/bin/promtool'
const ANALYST_TOKEN = 'analyst_ops_test_0123456789'
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8')
const dashboards = readdirSync(join(repoRoot, 'docker/grafana/dashboards')).map((f) => ({
  file: f,
  json: JSON.parse(read(`docker/grafana/dashboards/${f}`)) as {
    uid: string
    panels: Array<{
      title: string
      type: string
      datasource?: { uid: string }
      targets?: Array<{ expr: string }>
    }>
  },
}))
const rules = read('docker/prometheus/alerts.yml')

function promtool(...args: string[]): { status: number | null; out: string } {
  if (!existsSync(PROMTOOL)) {
    throw new Error(`${PROMTOOL} is missing: apt-get install -y prometheus (scripts/ensure-apt.mjs does)`)
  }
  const r = spawnSync(PROMTOOL, args, { cwd: repoRoot, encoding: 'utf8' })
  return { status: r.status, out: `${r.stdout}${r.stderr}` }
}

/** Every sillage_* name in a PromQL text; a histogram's series are named by the histogram. */
function metricNames(promql: string): string[] {
  return [...promql.matchAll(/\bsillage_[a-z0-9_]+/g)].map((m) => m[0])
}
const used = [
  ...dashboards.flatMap((d) =>
    d.json.panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr))),
  ),
  ...[...rules.matchAll(/^\s*expr: (.*)$/gm)].flatMap((m) => metricNames(m[1] ?? '')),
]

describe('alert rules and Prometheus config', () => {
  it('promtool checks the rules and the config, and the rules pass their unit tests', () => {
    const rulesCheck = promtool('check', 'rules', 'docker/prometheus/alerts.yml')
    expect(rulesCheck.status, rulesCheck.out).toBe(0)
    const config = promtool('check', 'config', 'docker/prometheus/prometheus.yml')
    expect(config.status, config.out).toBe(0)
    const unit = promtool('test', 'rules', 'docker/prometheus/alerts.test.yml')
    expect(unit.status, unit.out).toBe(0)
  })
})

describe('Grafana dashboards', () => {
  it('use the provisioned Prometheus datasource and cover what operators watch', () => {
    const datasource = read('docker/grafana/provisioning/datasources/prometheus.yaml')
    expect(datasource).toContain('uid: prometheus')
    const panels = dashboards.flatMap((d) => d.json.panels.filter((p) => p.type !== 'row'))
    for (const p of panels) {
      expect(p.datasource?.uid, p.title).toBe('prometheus')
      expect(p.targets?.length, p.title).toBeGreaterThan(0)
    }
    const titles = panels.map((p) => p.title.toLowerCase()).join('\n')
    for (const topic of [
      'ingestion rate',
      'rejects by code',
      'bus lag',
      'identity lag',
      'insert latency',
      'dead letters',
      'poison rows',
      'profile lookup latency',
    ]) {
      expect(titles).toContain(topic)
    }
    expect(new Set(dashboards.map((d) => d.json.uid)).size).toBe(dashboards.length)
  })
})

describe('against a running sillage start', () => {
  let pipeline: Pipeline
  let dir: { path: string; remove(): void }
  let exposed = new Set<string>()
  beforeAll(async () => {
    dir = tempDir('sillage-dashboard-ops-')
    pipeline = await startPipeline({
      dataDir: dir.path,
      port: await freePort(),
      env: { SILLAGE_ANALYST_TOKEN: ANALYST_TOKEN },
    })
    const text = await (await fetch(`${pipeline.url}/metrics`)).text()
    exposed = new Set([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => m[1] ?? ''))
  })
  afterAll(async () => {
    await pipeline?.stop()
    dir?.remove()
  })

  it('every metric the dashboards and rules name is in /metrics', () => {
    expect(exposed.has('sillage_collector_events_accepted_total')).toBe(true)
    expect(used.length).toBeGreaterThan(20)
    const base = (n: string) => n.replace(/_(bucket|sum|count)$/, '')
    const missing = [...new Set(used)].filter((n) => !exposed.has(n) && !exposed.has(base(n)))
    expect(missing).toEqual([])
  })

  it('serves /dashboard/ to the admin and the analyst token, and nothing to others', async () => {
    for (const [token, role] of [
      [ADMIN_TOKEN, 'admin'],
      [ANALYST_TOKEN, 'analyst'],
    ] as const) {
      const res = await fetch(`${pipeline.url}/dashboard/api/options`, {
        headers: { authorization: `Bearer ${token}` },
      })
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ role })
    }
    const refused = await fetch(`${pipeline.url}/dashboard/api/overview`, {
      headers: { authorization: 'Bearer not_a_token_0123456789' },
    })
    expect(refused.status).toBe(401)
    // No data yet: every tile is there, empty.
    const empty = await fetch(`${pipeline.url}/dashboard/api/overview`, {
      headers: { authorization: `Bearer ${ANALYST_TOKEN}` },
    })
    expect(empty.status).toBe(200)
    const overview = (await empty.json()) as { tiles: Array<{ name: string; value: number | null }> }
    expect(overview.tiles.find((t) => t.name === 'visits')?.value).toBe(0)
    expect(overview.tiles.find((t) => t.name === 'conversionRate')?.value).toBeNull()
    // The analyst token opens the dashboard only: the admin API refuses it.
    const admin = await fetch(`${pipeline.url}/admin/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ANALYST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sql: 'SELECT 1' }),
    })
    expect(admin.status).toBe(401)
    expect((await fetch(`${pipeline.url}/dashboard/vendor/uPlot.iife.min.js`)).status).toBe(200)
  })
})
