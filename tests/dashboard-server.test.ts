/**
 * `sillage dashboard`'s process (pipeline mode) through its exported start function, on real
 * sockets, over real chDB (the shop loaded as identity inserts it): /dashboard/ with both tokens,
 * the activation file's audiences, the proxy's scheme, /healthz, /readyz, /metrics and pino logs.
 * The command against a real ClickHouse server over HTTP is dashboard-command.e2e.test.ts.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '@sillage/runtime'
import { loadDashboardServerConfig } from '../apps/sillage/src/dashboard-server/config.js'
import { startDashboardServer, type DashboardProcess } from '../apps/sillage/src/dashboard-server/serve.js'
import type { Overview } from '../services/dashboard/src/index.js'
import {
  generateShop,
  openShopWarehouse,
  toEnriched,
  utcMidnight,
  type ShopWarehouse,
} from './helpers/shop.js'

const ADMIN = 'admin_dashboard_server_0123456789'
const ANALYST = 'analyst_dashboard_server_0123456789'
const shop = generateShop({ seed: 5, shoppers: 80, days: 60, end: utcMidnight() })
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
const RANGE = new URLSearchParams({ from: day(shop.end - 30 * 86_400_000), to: day(shop.end - 86_400_000) })

let wh: ShopWarehouse
let server: DashboardProcess
const logs: Array<Record<string, unknown>> = []

beforeAll(async () => {
  wh = await openShopWarehouse()
  await wh.insert(shop.events.map((g) => ({ event: toEnriched(g), personId: g.personKey })))
  const audiencesFile = join(wh.dataDir, 'audiences.json')
  writeFileSync(
    audiencesFile,
    JSON.stringify({ audiences: [{ id: 'winback', name: 'Win back', rule: 'rfm_segment = dormant' }] }),
  )
  const config = loadDashboardServerConfig({
    // The URL is required by the config; the test hands the start function its chDB instead.
    CLICKHOUSE_URL: 'http://127.0.0.1:1',
    SILLAGE_ADMIN_TOKEN: ADMIN,
    SILLAGE_ANALYST_TOKEN: ANALYST,
    SILLAGE_DASHBOARD_PORT: '0',
    SILLAGE_METRICS_PORT: '0',
    SILLAGE_TRUST_PROXY: '127.0.0.1',
    SILLAGE_AUDIENCES_FILE: audiencesFile,
  })
  const log = createLogger({
    level: 'info',
    destination: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  })
  server = await startDashboardServer({ config, log, warehouse: wh.warehouse })
}, 120_000)
afterAll(async () => {
  await server?.close()
  await wh?.close()
})

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('sillage dashboard, served by its own process', () => {
  it('serves the sign-in page, and the overview to the analyst and the admin token', async () => {
    const page = await fetch(`${server.url}/dashboard/`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('SILLAGE_ANALYST_TOKEN')
    for (const token of [ANALYST, ADMIN]) {
      const res = await fetch(`${server.url}/dashboard/api/overview?${RANGE.toString()}`, {
        headers: bearer(token),
      })
      expect(res.status).toBe(200)
      const o = (await res.json()) as Overview
      expect(Number(o.tiles.find((t) => t.name === 'visits')?.value)).toBeGreaterThan(0)
      // The activation file's audience that selects dormant customers (readMergedDefinitions).
      expect(o.dormant.audiences.map((a) => [a.id, a.source])).toEqual([['winback', 'file']])
    }
  })

  it('refuses a wrong token, and answers unknown paths with the catalogue 404', async () => {
    const res = await fetch(`${server.url}/dashboard/api/overview`, { headers: bearer('x'.repeat(20)) })
    expect(res.status).toBe(401)
    expect(((await res.json()) as { code: string }).code).toBe('SIL_ADMIN_UNAUTHORIZED')
    const missing = await fetch(`${server.url}/admin/privacy/erasure`)
    expect(missing.status).toBe(404)
    expect(((await missing.json()) as { code: string }).code).toBe('SIL_NOT_FOUND')
  })

  it('marks the session cookie Secure behind the trusted proxy that says https', async () => {
    const res = await fetch(`${server.url}/dashboard/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-proto': 'https' },
      body: new URLSearchParams({ token: ANALYST }).toString(),
    })
    expect(res.status).toBe(303)
    expect(res.headers.get('set-cookie')).toMatch(/^sillage_dashboard=.*; Secure/)
  })

  it('answers /healthz on both ports, /readyz and /metrics on the operations port', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    expect((await fetch(`${server.metricsUrl}/healthz`)).status).toBe(200)
    const ready = await fetch(`${server.metricsUrl}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ ready: true })
    const metrics = await (await fetch(`${server.metricsUrl}/metrics`)).text()
    expect(metrics).toMatch(
      /^sillage_dashboard_requests_total\{route="\/dashboard\/api\/overview",status="200"\} 2$/m,
    )
    expect(metrics).toMatch(
      /^sillage_dashboard_requests_total\{route="\/dashboard\/api\/overview",status="401"\} 1$/m,
    )
    expect(metrics).toContain('sillage_dashboard_request_duration_seconds_bucket')
    expect(metrics).toContain('sillage_process_cpu_seconds_total')
    // Not on the dashboard's own port (the proxy sends /dashboard/ there).
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404)
  })

  it('logs JSON lines through pino: its start, its requests, never a token', () => {
    const started = logs.find((l) => l['msg'] === 'dashboard started')
    expect(started?.['url']).toBe(`${server.url}/dashboard/`)
    expect(started?.['name']).toBe('sillage')
    expect(logs.some((l) => l['component'] === 'http' && l['msg'] === 'request completed')).toBe(true)
    const text = JSON.stringify(logs)
    expect(text).not.toContain(ANALYST)
    expect(text).not.toContain(ADMIN)
  })
})
