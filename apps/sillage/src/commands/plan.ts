import { readFileSync } from 'node:fs'
import { compileTrackingPlan, TrackingPlanError } from '@sillage/collector'
import { trackingPlanSchema, type Source, type TrackingPlan } from '@sillage/schemas'
import { createWarehouse } from '@sillage/warehouse'
import { runningStart } from '../admin-client.js'
import { loadCliConfig } from '../config.js'
import { configuredSources } from '../open-bus.js'
import { checkSource, type RunSql, type SourceReport } from '../plan/plan-check.js'
import { runQuery } from '../run-query.js'
import { userPath } from '../user-path.js'
import { intOption, parseCommandArgs, UsageError, type Command } from './command.js'

const USAGE = `usage: sillage plan check [--days 7] [--source ID] [--plan FILE] [--limit 1000000] [--json]

  Checks the track events stored in the last N days against a tracking plan with the collector's
  own validator, before the plan is switched on (docs/tracking-plans.md): per source and event,
  how many were checked and how many break the plan (what mode block would dead-letter and mode
  flag would mark), each broken rule with its count and an example.

  --days N      the period, by received time (default 7)
  --source ID   only this source (default: every configured source, each against its own plan)
  --plan FILE   a JSON trackingPlan object ({"mode", "defaults", "events"}) checked instead of the
                sources' own: the plan you are about to put in the source
  --limit N     events read per source at most (default 1,000,000)
  --json        the report as one JSON object

While \`sillage start\` runs on the same data dir (embedded chDB), the reads go through it.
`

export function readPlan(path: string): TrackingPlan {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(userPath(path), 'utf8'))
  } catch (err) {
    throw new UsageError(`--plan ${path}: ${(err as Error).message}`, USAGE)
  }
  const parsed = trackingPlanSchema.safeParse(json)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'plan'}: ${i.message}`).join('; ')
    throw new UsageError(`--plan ${path}: ${issues}`, USAGE)
  }
  // Compiled here, as the collector would at start (mode off included: the plan before it is
  // switched on), so that a refused schema names the file rather than the first source checked.
  try {
    compileTrackingPlan({ ...parsed.data, mode: parsed.data.mode === 'off' ? 'allow' : parsed.data.mode })
  } catch (err) {
    if (err instanceof TrackingPlanError) throw new UsageError(`--plan ${path}: ${err.message}`, USAGE)
    throw err
  }
  return parsed.data
}

const n = (x: number) => x.toLocaleString('en-US')
const pct = (part: number, whole: number) => (whole === 0 ? '0' : ((100 * part) / whole).toFixed(1))

function printText(reports: SourceReport[], days: number): void {
  const out: string[] = []
  for (const r of reports) {
    const verdict =
      r.checked === 0
        ? 'no stored event named in the plan'
        : `${n(r.checked)} checked, ${n(r.failing)} break the plan (${pct(r.failing, r.checked)}%)`
    out.push(
      `source ${r.sourceId} (mode ${r.mode}), last ${days} day(s): ${verdict}${r.truncated ? ' [--limit reached]' : ''}`,
    )
    for (const e of r.events) {
      out.push(
        `  ${e.event}: ${n(e.checked)} checked, ${e.failing === 0 ? 'all pass' : `${n(e.failing)} break it`}`,
      )
      for (const rule of e.rules) {
        const { messageId, path, message } = rule.example
        out.push(`    ${rule.rule}  ${n(rule.count)}  e.g. ${messageId}: ${path} ${message}`)
      }
    }
    if (r.unseen.length > 0) out.push(`  not seen: ${r.unseen.join(', ')}`)
  }
  process.stdout.write(out.join('\n') + '\n')
}

async function check(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(args, {
    name: 'plan check',
    usage: USAGE,
    options: {
      days: { type: 'string' },
      source: { type: 'string' },
      plan: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  })
  const days = intOption(values.days, 'days', 7, USAGE)
  const limit = intOption(values.limit, 'limit', 1_000_000, USAGE)
  const plan = values.plan ? readPlan(values.plan) : undefined
  const config = loadCliConfig()
  let sources: readonly Source[] = configuredSources(config)
  if (values.source !== undefined) {
    sources = sources.filter((s) => s.id === values.source)
    if (sources.length === 0) throw new UsageError(`no source ${JSON.stringify(values.source)}`, USAGE)
  }
  if (sources.length === 0) throw new UsageError('no source is configured', USAGE)

  const database = config.clickhouse.database
  // chDB allows one process per data dir: a running `start` runs the reads.
  const running = config.clickhouse.url
    ? undefined
    : runningStart(config.dataDir, config.collector.adminToken)
  const warehouse = running ? undefined : createWarehouse({ ...config.clickhouse, dataDir: config.dataDir })
  const run: RunSql = running
    ? // Scans N days of events: no time limit (the process is checked to answer first).
      (sql, params) => running.call('POST', '/admin/query', { sql, params }, { timeoutMs: 0 })
    : (sql, params) => runQuery(warehouse!, sql, params)
  try {
    const reports: SourceReport[] = []
    for (const source of sources) {
      try {
        reports.push(await checkSource(run, database, source, { days, limit, plan }))
      } catch (err) {
        if (err instanceof TrackingPlanError)
          throw new UsageError(`source ${JSON.stringify(source.id)}: ${err.message}`, USAGE)
        throw err
      }
    }
    if (values.json) process.stdout.write(JSON.stringify({ days, sources: reports }) + '\n')
    else printText(reports, days)
  } finally {
    await warehouse?.close()
  }
}

export const planCommand: Command = {
  summary: 'check the stored events of the last N days against a tracking plan (plan check)',
  usage: USAGE,
  subcommands: ['check'],
  async run(args) {
    const [sub, ...rest] = args
    if (sub !== 'check') throw new UsageError(`plan: unknown subcommand ${JSON.stringify(sub ?? '')}`, USAGE)
    await check(rest)
  },
}
