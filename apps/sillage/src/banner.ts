import type { Source } from '@sillage/schemas'
import type { CliConfig } from './config.js'
import { paths } from './data-dir.js'

/** What `sillage start` prints once it listens: where everything is, and a first event to send. */
export function printBanner(opts: {
  config: CliConfig
  url: string
  warehouse: { kind: string; database: string }
  demo: Source | undefined
}): void {
  const { config, url, warehouse, demo } = opts
  const lines = [
    '',
    `Sillage is running (embedded: ${config.bus.kind} bus, ${warehouse.kind} warehouse in ${config.dataDir})`,
    `  collector   ${url}/v1/batch`,
    `  demo shop   ${url}/demo/`,
    `  metrics     ${url}/metrics`,
    `  debugger    ${url}/debugger/  (admin token: ${config.collector.adminToken ? '$SILLAGE_ADMIN_TOKEN' : paths(config.dataDir).adminToken})`,
    demo ? `  write key   ${demo.writeKey}  (source "${demo.id}")` : '',
    '',
    'Send an event:',
    demo
      ? `  curl -s -u '${demo.writeKey}:' -H 'content-type: application/json' ${url}/v1/track -d '{"event":"Hello","anonymousId":"a1","properties":{"plan":"demo"}}'`
      : '',
    'Query it:',
    `  pnpm sillage query "SELECT event, anonymous_id, timestamp FROM ${warehouse.database}.events ORDER BY received_at DESC LIMIT 5"`,
    '',
  ]
  process.stdout.write(lines.filter((l, i, a) => l !== '' || a[i - 1] !== '').join('\n') + '\n')
}
