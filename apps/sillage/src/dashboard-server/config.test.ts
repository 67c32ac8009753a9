import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '@sillage/runtime'
import { UsageError } from '../commands/command.js'
import { parseDashboardArgs } from '../commands/dashboard.js'
import { DASHBOARD_SERVER_ENV_VARS, loadDashboardServerConfig } from './config.js'

const TOKEN = 'admin_dashboard_0123456789'
const BASE = { CLICKHOUSE_URL: 'http://clickhouse:8123', SILLAGE_ADMIN_TOKEN: TOKEN }

const problems = (env: Record<string, string>): string[] => {
  try {
    loadDashboardServerConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  return []
}

describe('loadDashboardServerConfig', () => {
  it('reads a ClickHouse server, the tokens, both ports and the proxy; frozen', () => {
    const config = loadDashboardServerConfig({
      ...BASE,
      CLICKHOUSE_USER: 'sillage',
      SILLAGE_ANALYST_TOKEN: 'analyst_dashboard_0123456789',
      SILLAGE_DASHBOARD_PORT: '9000',
      SILLAGE_DASHBOARD_HOST: '0.0.0.0',
      SILLAGE_METRICS_PORT: '9464',
      SILLAGE_TRUST_PROXY: '172.28.0.10',
      SILLAGE_AUDIENCES_FILE: '/etc/sillage/audiences.json',
    })
    expect(config).toMatchObject({
      clickhouse: { url: 'http://clickhouse:8123', user: 'sillage', database: 'sillage' },
      adminToken: TOKEN,
      analystToken: 'analyst_dashboard_0123456789',
      port: 9000,
      host: '0.0.0.0',
      metrics: { port: 9464, host: '127.0.0.1' },
      trustProxy: ['172.28.0.10'],
      audiencesFile: '/etc/sillage/audiences.json',
      logLevel: 'info',
    })
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('defaults: loopback, 8083 and 9468, no proxy, the data dir audiences file', () => {
    const config = loadDashboardServerConfig({ ...BASE, SILLAGE_DATA_DIR: '/tmp/sillage' })
    expect(config).toMatchObject({
      port: 8083,
      host: '127.0.0.1',
      metrics: { port: 9468, host: '127.0.0.1' },
      trustProxy: false,
      analystToken: undefined,
      audiencesFile: '/tmp/sillage/audiences.json',
    })
  })

  it('requires a ClickHouse server and the admin token, reported at once (SIL_CONFIG_INVALID)', () => {
    const load = () => loadDashboardServerConfig({})
    expect(load).toThrow(ConfigError)
    expect(problems({})).toEqual([
      'SILLAGE_ADMIN_TOKEN: required',
      'CLICKHOUSE_URL: required: sillage dashboard reads a ClickHouse server (without one, sillage start serves /dashboard/)',
    ])
    expect(load).toThrow(/^SIL_CONFIG_INVALID: SILLAGE_ADMIN_TOKEN: required$/m)
  })

  it('refuses bad values, one line each, never showing a token', () => {
    const lines = problems({
      CLICKHOUSE_URL: 'clickhouse:8123',
      SILLAGE_ADMIN_TOKEN: 'short',
      SILLAGE_ANALYST_TOKEN: 'short-analyst',
      SILLAGE_DASHBOARD_PORT: '80a',
      SILLAGE_LOG_LEVEL: 'loud',
    })
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SILLAGE_ADMIN_TOKEN: at least 16 characters/),
        expect.stringMatching(/^SILLAGE_ANALYST_TOKEN: at least 16 characters/),
        expect.stringMatching(/^SILLAGE_DASHBOARD_PORT: must be an integer from 0 to 65535 \(got "80a"\)/),
        expect.stringMatching(/^SILLAGE_LOG_LEVEL: must be one of/),
        expect.stringMatching(/^CLICKHOUSE_URL: must be an http:\/\/ or https:\/\/ URL/),
      ]),
    )
    expect(lines.join('\n')).not.toContain('short')
  })

  it('refuses the same port for the dashboard and /metrics', () => {
    expect(problems({ ...BASE, SILLAGE_DASHBOARD_PORT: '9100', SILLAGE_METRICS_PORT: '9100' })).toEqual([
      'SILLAGE_METRICS_PORT: must differ from SILLAGE_DASHBOARD_PORT (both are 9100)',
    ])
  })

  it('lists every variable it reads', () => {
    for (const v of [
      'CLICKHOUSE_URL',
      'CLICKHOUSE_PASSWORD',
      'SILLAGE_ADMIN_TOKEN',
      'SILLAGE_ANALYST_TOKEN',
      'SILLAGE_DASHBOARD_PORT',
      'SILLAGE_METRICS_PORT',
      'SILLAGE_TRUST_PROXY',
      'SILLAGE_AUDIENCES_FILE',
      'SILLAGE_SHUTDOWN_TIMEOUT_MS',
    ])
      expect(DASHBOARD_SERVER_ENV_VARS).toContain(v)
  })

  it('every variable it reads is in docs/configuration.md', () => {
    const doc = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8')
    for (const v of DASHBOARD_SERVER_ENV_VARS) expect(doc, v).toContain(`\`${v}\``)
    expect(doc).toContain('`SILLAGE_DASHBOARD_PORT`')
  })
})

describe('sillage dashboard arguments', () => {
  const refusal = (args: string[]): UsageError => {
    try {
      parseDashboardArgs(args)
    } catch (err) {
      if (err instanceof UsageError) return err
      throw err
    }
    throw new Error('accepted')
  }

  it('takes none', () => {
    expect(() => parseDashboardArgs([])).not.toThrow()
    expect(refusal(['extra']).message).toBe('dashboard: unexpected argument "extra"')
    expect(refusal(['--bogus']).message).toBe('dashboard: unknown option --bogus')
  })

  it('says where the port, the host and ClickHouse come from', () => {
    expect(refusal(['--port', '9000']).message).toBe(
      'dashboard: unknown option --port; it is set by SILLAGE_DASHBOARD_PORT (docs/configuration.md)',
    )
    expect(refusal(['--clickhouse-url=http://x']).message).toBe(
      'dashboard: unknown option --clickhouse-url; it is set by CLICKHOUSE_URL (docs/configuration.md)',
    )
  })
})
