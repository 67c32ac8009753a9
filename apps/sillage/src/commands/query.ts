import { createWarehouse } from '@sillage/warehouse'
import { runningStart } from '../admin-client.js'
import { loadCliConfig } from '../config.js'
import { runQuery } from '../run-query.js'
import { UsageError, type Command } from './command.js'

const USAGE = `usage: sillage query "<SQL>"

Runs SQL against the warehouse; rows are printed as JSON lines. While \`sillage start\` runs on the
same data dir (embedded chDB), the SQL is sent to it.
`

export const queryCommand: Command = {
  summary: 'run SQL against the warehouse; rows are printed as JSON lines',
  usage: USAGE,
  async run(args) {
    const sql = args.join(' ').trim()
    if (!sql)
      throw new UsageError(
        'query: missing SQL, e.g. sillage query "SELECT count() FROM sillage.events"',
        USAGE,
      )
    const config = loadCliConfig()
    // chDB allows one process per data dir: ask the running `start` to run it.
    const running = config.clickhouse.url
      ? undefined
      : runningStart(config.dataDir, config.collector.adminToken)
    if (running) {
      process.stdout.write(await running.call('POST', '/admin/query', { sql }))
      return
    }
    const warehouse = createWarehouse({ ...config.clickhouse, dataDir: config.dataDir })
    try {
      process.stdout.write(await runQuery(warehouse, sql))
    } finally {
      await warehouse.close()
    }
  },
}
