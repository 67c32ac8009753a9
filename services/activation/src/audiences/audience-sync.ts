import { TOPICS, type Bus } from '@sillage/bus'
import type { EnrichedEvent } from '@sillage/schemas'
import { Counter, Histogram, type Logger, type Registry } from '@sillage/runtime'
import type { Warehouse } from '@sillage/warehouse'
import { createAudienceSqlGuard } from '../adapters/audience-sql-guard.js'
import { createAudienceStore } from '../adapters/clickhouse-audiences.js'
import type { AudienceDef } from '../domain/activation-file.js'
import { compileRule, compileSql, type CompiledQuery } from '../domain/audience-sql.js'
import { diffMembership, toMembershipEvent, type MembershipChange } from '../domain/membership.js'

export interface AudienceSyncDeps {
  warehouse: Warehouse
  log: Logger
  registry: Registry
  /** Where Audience Entered/Exited go: events.raw on this bus, unless `emit` is given. */
  bus?: Bus
  emit?: (events: readonly EnrichedEvent[]) => Promise<void>
  now?: () => number
}

export interface AudienceSyncResult {
  audienceId: string
  members: number
  entered: number
  exited: number
  ms: number
}

/** The members query of an audience (rule or admin SQL), over the warehouse's database. */
export function audienceQuery(audience: AudienceDef, database: string): CompiledQuery {
  if (audience.ast) return compileRule(audience.ast, database)
  if (audience.sql !== undefined) return compileSql(audience.sql, database)
  throw new Error(`audience ${audience.id} has neither a parsed rule nor SQL`)
}

/**
 * Computes audience membership and records what changed. For each audience: the members (rule or
 * SQL, always intersected with marketing consent), the diff with the history, the
 * `Audience Entered`/`Audience Exited` events produced durably to events.raw, and only then the
 * history rows. A crash between the two re-runs to the same changes with the same message ids.
 */
export function createAudienceSync(deps: AudienceSyncDeps) {
  const log = deps.log.child({ component: 'audiences' })
  const store = createAudienceStore(deps.warehouse)
  const guard = createAudienceSqlGuard(deps.warehouse)
  const now = deps.now ?? Date.now
  const emit =
    deps.emit ??
    (async (events: readonly EnrichedEvent[]) => {
      if (!deps.bus) throw new Error('audience sync: neither bus nor emit given')
      for (let i = 0; i < events.length; i += 5000) {
        await deps.bus.produce(
          TOPICS.raw,
          events.slice(i, i + 5000).map((e) => ({
            key: e.anonymousId ?? e.userId ?? null,
            value: Buffer.from(JSON.stringify(e)),
          })),
        )
      }
    })
  const changesTotal = new Counter({
    name: 'sillage_audience_changes_total',
    help: 'Audience membership changes recorded',
    labelNames: ['change'],
    registers: [deps.registry],
  })
  const failures = new Counter({
    name: 'sillage_audience_sync_failures_total',
    help: 'Audience evaluations that failed (the audience is retried; the others go on)',
    labelNames: ['audience', 'mode'],
    registers: [deps.registry],
  })
  const seconds = new Histogram({
    name: 'sillage_audience_sync_seconds',
    help: 'Time to compute and record one audience',
    buckets: [0.05, 0.1, 0.5, 1, 5, 10, 30, 120],
    registers: [deps.registry],
  })

  /** The current members of an audience (what `preview` shows); nothing recorded. */
  async function preview(audience: AudienceDef): Promise<string[]> {
    const query = audienceQuery(audience, deps.warehouse.database)
    // An admin's SQL is parsed by the warehouse before it runs (audience-sql-guard.ts).
    if (audience.sql !== undefined) await guard(query)
    return store.members(query)
  }

  async function syncOne(
    audience: AudienceDef,
    persons?: readonly string[],
  ): Promise<AudienceSyncResult & { changes: MembershipChange[] }> {
    const started = now()
    // With `persons` (stream evaluation): only their membership, from the same rule.
    const members = new Set(
      persons && audience.ast
        ? await store.members(compileRule(audience.ast, deps.warehouse.database, { persons }))
        : await preview(audience),
    )
    const state = await store.state(audience.id, persons)
    const entering = [...members].filter((p) => state.get(p)?.change !== 'entered')
    const ids = await store.identifiers(entering)
    const at = new Date(started).toISOString()
    const changes = diffMembership({ audienceId: audience.id, state, members, ids, at })
    if (changes.length > 0) {
      await emit(changes.map((c) => toMembershipEvent(c, audience.name ?? audience.id, at)))
      await store.record(changes)
    }
    const entered = changes.filter((c) => c.change === 'entered').length
    const exited = changes.length - entered
    changesTotal.inc({ change: 'entered' }, entered)
    changesTotal.inc({ change: 'exited' }, exited)
    const ms = now() - started
    seconds.observe(ms / 1000)
    if (!persons || changes.length > 0)
      log.info(
        {
          audience: audience.id,
          members: members.size,
          entered,
          exited,
          ms,
          ...(persons && { stream: true }),
        },
        persons ? 'audience evaluated on the stream' : 'audience synced',
      )
    return { audienceId: audience.id, members: members.size, entered, exited, ms, changes }
  }

  return {
    preview,
    syncOne,
    /**
     * Stream evaluation: these persons' membership in each (stream-evaluable) audience, recorded
     * and announced like a sync's. Returns how many changes were recorded.
     */
    async syncPersons(audiences: readonly AudienceDef[], persons: readonly string[]): Promise<number> {
      let n = 0
      if (persons.length === 0) return n
      // One failing audience does not hold back the others: its persons are left to the schedule.
      // When every audience fails, the cause is not an audience: the batch is retried.
      const failed: unknown[] = []
      for (const a of audiences) {
        try {
          n += (await syncOne(a, persons)).changes.length
        } catch (err) {
          failed.push(err)
          failures.inc({ audience: a.id, mode: 'stream' })
          log.error({ err, audience: a.id }, 'stream evaluation failed; left to the scheduled sync')
        }
      }
      if (failed.length > 0 && failed.length === audiences.length) throw failed[0]
      return n
    },
    /** Syncs every audience in turn; one failing audience does not hold back the others. */
    async syncAll(audiences: readonly AudienceDef[]): Promise<AudienceSyncResult[]> {
      const out: AudienceSyncResult[] = []
      for (const a of audiences) {
        try {
          const { changes: _changes, ...r } = await syncOne(a)
          out.push(r)
        } catch (err) {
          failures.inc({ audience: a.id, mode: 'schedule' })
          log.error({ err, audience: a.id }, 'audience sync failed; retried at the next sync')
        }
      }
      return out
    },
  }
}

export type AudienceSync = ReturnType<typeof createAudienceSync>
