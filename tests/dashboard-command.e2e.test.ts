/**
 * `sillage dashboard` as operators run it (the built CLI, a process of its own) against a real
 * ClickHouse server over HTTP: Debian's clickhouse-server (18.16, scripts/ensure-apt.mjs), which
 * is too old for Sillage's schema, so the process must say so and stop (SIL_CLICKHOUSE_TOO_OLD)
 * rather than serve a dashboard whose every query fails. Serving the dashboard itself is
 * dashboard-server.test.ts (chDB). Also: its configuration and usage errors, exit 2.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startClickHouseServer, type ClickHouseServer } from './helpers/clickhouse-server.js'
import { cliMain, freePort, repoRoot, tempDir } from './helpers/pipeline.js'

const ADMIN = 'admin_dashboard_cmd_0123456789'
let server: ClickHouseServer
const dir = tempDir('sillage-dashboard-cmd-')

beforeAll(async () => {
  server = await startClickHouseServer()
}, 90_000)
afterAll(async () => {
  await server?.stop()
  dir.remove()
})

async function dashboard(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [cliMain, 'dashboard', ...args], {
      cwd: repoRoot,
      env: { PATH: process.env['PATH'] ?? '', SILLAGE_DATA_DIR: dir.path, ...env },
      timeout: 30_000,
    })
    return { code: 0, stdout: r.stdout, stderr: r.stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('sillage dashboard against a real ClickHouse server', () => {
  it('refuses a server too old for the schema: a fatal pino line with its code, exit 1', async () => {
    const r = await dashboard({
      CLICKHOUSE_URL: server.url,
      SILLAGE_ADMIN_TOKEN: ADMIN,
      SILLAGE_DASHBOARD_PORT: String(await freePort()),
      SILLAGE_METRICS_PORT: String(await freePort()),
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^ClickHouse 18\.16\.\d+ is too old: Sillage needs 23\.8 or later/m)
    const fatal = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: number; msg: string; name: string; err?: { code?: string } })
      .find((l) => l.msg === 'failed to start')
    expect(fatal).toMatchObject({
      level: 60,
      name: 'sillage-dashboard',
      err: { code: 'SIL_CLICKHOUSE_TOO_OLD' },
    })
    expect(r.stdout).not.toContain(ADMIN)
  })

  it('stops with exit 1 when ClickHouse does not answer', async () => {
    const r = await dashboard({
      CLICKHOUSE_URL: `http://127.0.0.1:${await freePort()}`,
      SILLAGE_ADMIN_TOKEN: ADMIN,
      SILLAGE_DASHBOARD_PORT: '0',
      SILLAGE_METRICS_PORT: '0',
    })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('"msg":"failed to start"')
  })
})

describe('sillage dashboard, configuration and usage', () => {
  it('needs a ClickHouse server and the admin token: every problem on stderr, SIL_CONFIG_INVALID, exit 2', async () => {
    const r = await dashboard({ SILLAGE_DASHBOARD_PORT: 'eighty' })
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toEqual([
      'SIL_CONFIG_INVALID: SILLAGE_ADMIN_TOKEN: required',
      'SIL_CONFIG_INVALID: SILLAGE_DASHBOARD_PORT: must be an integer from 0 to 65535 (got "eighty")',
      'SIL_CONFIG_INVALID: CLICKHOUSE_URL: required: sillage dashboard reads a ClickHouse server (without one, sillage start serves /dashboard/)',
    ])
  })

  it('takes no option: the port is an environment variable', async () => {
    const r = await dashboard({}, ['--port', '9000'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(
      /^dashboard: unknown option --port; it is set by SILLAGE_DASHBOARD_PORT \(docs\/configuration\.md\)\n\nusage: sillage dashboard\n/,
    )
  })
})
