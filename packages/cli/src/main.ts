#!/usr/bin/env node
import { ConfigError } from '@sillage/runtime'
import { createWarehouse, migrate } from '@sillage/warehouse'
import { loadCliConfig } from './config.js'
import { adminToken, readRuntime } from './data-dir.js'
import { runQuery } from './run-query.js'
import { start } from './start.js'

const USAGE = `usage: sillage <command>

  start            run the embedded pipeline (collector, identity, bus, ClickHouse) and the demo shop
  query "<SQL>"    run SQL against the warehouse; rows are printed as JSON lines
  migrate          apply the ClickHouse migrations
`

async function query(sql: string | undefined): Promise<void> {
  if (!sql)
    throw new ConfigError([
      'query: missing SQL, e.g. pnpm sillage query "SELECT count() FROM sillage.events"',
    ])
  const config = loadCliConfig()
  const running = config.clickhouse.url ? undefined : readRuntime(config.dataDir)
  if (running) {
    // chDB allows one process per data dir: ask the running `start` to run it.
    const res = await fetch(`${running.url}/admin/query`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${adminToken(config.dataDir, config.collector.adminToken)}`,
      },
      body: JSON.stringify({ sql }),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`query failed (${res.status}): ${text}`)
    process.stdout.write(text)
    return
  }
  const warehouse = createWarehouse({ ...config.clickhouse, dataDir: config.dataDir })
  try {
    process.stdout.write(await runQuery(warehouse, sql))
  } finally {
    await warehouse.close()
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv
  switch (command) {
    case 'start':
      return start(loadCliConfig())
    case 'query':
      return query(args.join(' ').trim() || undefined)
    case 'migrate': {
      const config = loadCliConfig()
      const warehouse = createWarehouse({ ...config.clickhouse, dataDir: config.dataDir })
      try {
        const applied = await migrate(warehouse)
        console.log(applied.length ? `applied migrations ${applied.join(', ')}` : 'schema up to date')
      } finally {
        await warehouse.close()
      }
      return
    }
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE)
      return
    default:
      process.stderr.write(`unknown command ${JSON.stringify(command)}\n\n${USAGE}`)
      process.exitCode = 2
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
})
