import { createLogger, exitOnSignal, logStartupFailure } from '@sillage/runtime'
import { loadDashboardServerConfig } from '../dashboard-server/config.js'
import { startDashboardServer } from '../dashboard-server/serve.js'
import { parseCommandArgs, type Command } from './command.js'

const USAGE = `usage: sillage dashboard

Serves the retail dashboard (/dashboard/) against a ClickHouse server, as a process of its own
(pipeline mode; sillage start serves it itself). Settings come from the environment, not from
options: CLICKHOUSE_URL (required), SILLAGE_ADMIN_TOKEN (required), SILLAGE_ANALYST_TOKEN,
SILLAGE_DASHBOARD_PORT (8083), SILLAGE_METRICS_PORT (9468, /metrics) …: see docs/configuration.md.
`

const fromEnv = (variable: string) => `it is set by ${variable} (docs/configuration.md)`

/** Parses the (empty) command line: any option or argument is a UsageError. */
export function parseDashboardArgs(args: readonly string[]): void {
  parseCommandArgs(args, {
    name: 'dashboard',
    usage: USAGE,
    options: {},
    hints: {
      port: fromEnv('SILLAGE_DASHBOARD_PORT'),
      host: fromEnv('SILLAGE_DASHBOARD_HOST'),
      'clickhouse-url': fromEnv('CLICKHOUSE_URL'),
      token: fromEnv('SILLAGE_ADMIN_TOKEN or SILLAGE_ANALYST_TOKEN'),
    },
  })
}

export const dashboardCommand: Command = {
  summary: 'serve the retail dashboard (/dashboard/) against a ClickHouse server (pipeline mode)',
  usage: USAGE,
  async run(args) {
    parseDashboardArgs(args)
    const config = loadDashboardServerConfig()
    const log = createLogger({ level: config.logLevel, name: 'sillage-dashboard' })
    let server: Awaited<ReturnType<typeof startDashboardServer>>
    try {
      server = await startDashboardServer({ config, log })
    } catch (err) {
      // Logged with its code (SIL_CLICKHOUSE_TOO_OLD, SIL_LISTEN_FAILED without a stack …); the CLI
      // prints its message and exits 1.
      logStartupFailure(log, err)
      throw err
    }
    exitOnSignal({ log, timeoutMs: config.shutdownTimeoutMs, shutdown: () => server.close() })
  },
}
