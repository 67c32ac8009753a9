import { createWarehouse, migrate } from '@sillage/warehouse'
import { loadCliConfig } from '../config.js'
import { readRuntime } from '../data-dir.js'
import { parseCommandArgs, type Command } from './command.js'

const USAGE = `usage: sillage migrate

Applies the ClickHouse migrations not applied yet (sillage start and identity also do at start).
`

export const migrateCommand: Command = {
  summary: 'apply the ClickHouse migrations',
  usage: USAGE,
  async run(args) {
    parseCommandArgs(args, { name: 'migrate', usage: USAGE, options: {} })
    const config = loadCliConfig()
    if (!config.clickhouse.url && readRuntime(config.dataDir)) {
      // It migrated at start, and holds the chDB directory.
      process.stdout.write('sillage start is running on this data dir: it applied the migrations at start\n')
      return
    }
    const warehouse = createWarehouse({ ...config.clickhouse, dataDir: config.dataDir })
    try {
      const applied = await migrate(warehouse)
      process.stdout.write(
        applied.length ? `applied migrations ${applied.join(', ')}\n` : 'schema up to date\n',
      )
    } finally {
      await warehouse.close()
    }
  },
}
