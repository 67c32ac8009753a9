import { createWarehouse } from '@sillage/warehouse'
import { runningStart } from '../admin-client.js'
import { loadCliConfig } from '../config.js'
import { runQuery } from '../run-query.js'
import { parseCommandArgs, UsageError, type Command } from './command.js'

const USAGE = `usage: sillage query [--param NAME=VALUE]... "<SQL>"

Runs SQL against the warehouse; rows are printed as JSON lines. While \`sillage start\` runs on the
same data dir (embedded chDB), the SQL is sent to it. Each --param gives the value of a
{NAME:Type} placeholder (as clickhouse-client's --param_NAME), sent apart from the SQL:
  sillage query --param person=p_01J… "SELECT * FROM sillage.persons WHERE person_id = {person:String}"
Any other option is refused. SQL that opens with a comment ("-- …") is taken as SQL; other SQL
that starts with - goes after --: sillage query -- "-1 + 1"
`

/**
 * The SQL and the `--param NAME=VALUE` (or `--param=NAME=VALUE`) values among the arguments; every
 * positional argument is SQL, joined with spaces; any other option is a UsageError. Pure.
 */
export function splitQueryArgs(args: readonly string[]): { sql: string; params: Record<string, string> } {
  // SQL that opens with a comment (`-- recipe: …`, as docs/analysts.md's cookbook is written) or
  // spans lines is SQL, not an option: it and what follows are positionals.
  const at = args.findIndex((a) => /^--\s/.test(a) || (a.startsWith('-') && a.includes('\n')))
  if (at >= 0 && args[at - 1] !== '--') args = [...args.slice(0, at), '--', ...args.slice(at)]
  const { values, positionals } = parseCommandArgs(args, {
    name: 'query',
    usage: USAGE,
    options: { param: { type: 'string', multiple: true } },
    positionals: Infinity,
  })
  const params: Record<string, string> = {}
  for (const param of values.param ?? []) {
    const eq = param.indexOf('=')
    const name = param.slice(0, eq)
    if (eq < 1 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new UsageError(`query: --param takes NAME=VALUE, got ${JSON.stringify(param)}`, USAGE)
    params[name] = param.slice(eq + 1)
  }
  return { sql: positionals.join(' ').trim(), params }
}

export const queryCommand: Command = {
  summary: 'run SQL against the warehouse; rows are printed as JSON lines',
  usage: USAGE,
  async run(args) {
    const { sql, params } = splitQueryArgs(args)
    const withParams = Object.keys(params).length > 0 ? params : undefined
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
      // An analyst's SQL may rightly run long: no time limit (the process is checked to answer first).
      process.stdout.write(
        await running.call('POST', '/admin/query', { sql, params: withParams }, { timeoutMs: 0 }),
      )
      return
    }
    const warehouse = createWarehouse({ ...config.clickhouse, dataDir: config.dataDir })
    try {
      process.stdout.write(await runQuery(warehouse, sql, withParams))
    } finally {
      await warehouse.close()
    }
  },
}
