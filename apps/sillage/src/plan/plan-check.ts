import { compileTrackingPlan, type CompiledTrackingPlan } from '@sillage/collector'
import type { Source, TrackingPlan } from '@sillage/schemas'

/**
 * `sillage plan check`: the track events stored in the last N days, read back from the warehouse
 * page by page, run through the collector's own compiled validator (docs/tracking-plans.md).
 */

/** Runs parameterised SQL and returns its rows as JSON lines (`sillage query`'s path). */
export type RunSql = (
  sql: string,
  params: Record<string, string | number | readonly string[]>,
) => Promise<string>

export interface RuleCount {
  rule: string
  /** Events that break the rule. */
  count: number
  example: { messageId: string; path: string; message: string }
}

export interface EventReport {
  sourceId: string
  event: string
  checked: number
  /** Events with at least one violation: what `block` would dead-letter, `flag` would mark. */
  failing: number
  rules: RuleCount[]
}

export interface SourceReport {
  sourceId: string
  /** The mode the plan has now (`off`: not switched on yet). */
  mode: TrackingPlan['mode']
  checked: number
  failing: number
  /** The plan's events with no stored event in the period. */
  unseen: string[]
  /** True when --limit stopped the reading before the end of the period. */
  truncated: boolean
  events: EventReport[]
}

export interface PlanCheckOptions {
  days: number
  /** Events read per source at most. */
  limit: number
  pageSize?: number
  /** Instead of each source's own plan (a plan not switched on yet). */
  plan?: TrackingPlan | undefined
}

interface Row {
  message_id: string
  event: string
  /** received_at as text: the next page starts after it (an alias of its own, not shadowing the column). */
  received: string
  properties: string
}

/** The plan compiled whatever its mode: `off` is the plan before it is switched on. */
function compiled(plan: TrackingPlan): CompiledTrackingPlan | undefined {
  return compileTrackingPlan({ ...plan, mode: plan.mode === 'off' ? 'allow' : plan.mode })
}

function pageSql(database: string): string {
  return `SELECT message_id, event, toString(received_at) AS received, properties
FROM ${database}.events
WHERE type = 'track'
  AND source_id = {source:String}
  AND event IN {events:Array(String)}
  AND received_at >= now64(3) - toIntervalDay({days:UInt32})
  AND (received_at, message_id) > (toDateTime64({after_at:String}, 3, 'UTC'), {after_id:String})
ORDER BY received_at, message_id
LIMIT {page:UInt32}`
}

function parseProperties(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return {}
  }
}

export async function checkSource(
  run: RunSql,
  database: string,
  source: Source,
  opts: PlanCheckOptions,
): Promise<SourceReport> {
  const plan = opts.plan ?? source.trackingPlan
  const report: SourceReport = {
    sourceId: source.id,
    mode: source.trackingPlan.mode,
    checked: 0,
    failing: 0,
    unseen: [],
    truncated: false,
    events: [],
  }
  const validator = compiled(plan)
  if (!validator) return report
  const names = [...validator.events]
  const byEvent = new Map<string, EventReport>()
  const ruleCounts = new Map<string, Map<string, RuleCount>>()
  const pageSize = opts.pageSize ?? 5000
  let after = { at: '1970-01-01 00:00:00.000', id: '' }
  const sql = pageSql(database)
  for (;;) {
    const page = Math.min(pageSize, opts.limit - report.checked)
    if (page <= 0) {
      report.truncated = true
      break
    }
    const text = await run(sql, {
      source: source.id,
      events: names,
      days: opts.days,
      after_at: after.at,
      after_id: after.id,
      page,
    })
    const rows = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Row)
    for (const row of rows) {
      let entry = byEvent.get(row.event)
      if (!entry) {
        entry = { sourceId: source.id, event: row.event, checked: 0, failing: 0, rules: [] }
        byEvent.set(row.event, entry)
        ruleCounts.set(row.event, new Map())
      }
      entry.checked++
      report.checked++
      const violations = validator.check(row.event, parseProperties(row.properties))
      if (!violations) continue
      entry.failing++
      report.failing++
      const counts = ruleCounts.get(row.event) as Map<string, RuleCount>
      const seen = new Set<string>() // once per event and rule, as in the collector's metric
      for (const v of violations) {
        if (seen.has(v.rule)) continue
        seen.add(v.rule)
        const known = counts.get(v.rule)
        if (known) known.count++
        else {
          counts.set(v.rule, {
            rule: v.rule,
            count: 1,
            example: { messageId: row.message_id, path: v.path, message: v.message },
          })
        }
      }
    }
    const last = rows[rows.length - 1]
    if (!last || rows.length < page) break
    after = { at: last.received, id: last.message_id }
  }
  for (const [event, entry] of byEvent) {
    entry.rules = [...(ruleCounts.get(event)?.values() ?? [])].sort((a, b) => b.count - a.count)
    report.events.push(entry)
  }
  report.events.sort((a, b) => b.failing - a.failing || a.event.localeCompare(b.event))
  report.unseen = names.filter((n) => !byEvent.has(n)).sort()
  return report
}
