import { TOPICS, type Bus, type Subscription } from '@sillage/bus'
import type { Logger } from '@sillage/runtime'
import type { Warehouse } from '@sillage/warehouse'
import { createAudienceStore } from '../adapters/clickhouse-audiences.js'
import type { AudienceDef } from '../domain/activation-file.js'
import { concernsAudiences, type StreamEventLike } from '../domain/audience-stream.js'

export const AUDIENCE_STREAM_GROUP = 'sillage-activation-audiences'

export interface AudienceStreamDeps {
  bus: Bus
  warehouse: Warehouse
  log: Logger
  /** The stream-evaluable audiences now (definitions change at each reload). */
  audiences: () => readonly AudienceDef[]
  /** Re-evaluates these persons (the runner serialises it with the scheduled sync). */
  evaluate: (audiences: readonly AudienceDef[], persons: readonly string[]) => Promise<void>
  now?: () => number
  group?: string
  /** How long to wait for identity to store an event before leaving it to the schedule. */
  storedTimeoutMs?: number
  /** Events received longer ago than this are left to the schedule (a first start, a replay). */
  maxAgeMs?: number
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Audiences "at once for rules the stream can evaluate": reads events.raw (its own group); for
 * the events that can change a stream audience (domain/audience-stream.ts), waits until identity
 * has stored them (so the person and their history are in ClickHouse), then re-evaluates those
 * persons' membership with the same rule as the schedule. Offsets move after the changes are
 * recorded; a crash re-reads the batch and re-evaluates to the same changes and ids.
 */
export function createAudienceStream(deps: AudienceStreamDeps) {
  const log = deps.log.child({ component: 'audience-stream' })
  const store = createAudienceStore(deps.warehouse)
  const now = deps.now ?? Date.now
  const timeoutMs = deps.storedTimeoutMs ?? 30_000
  const maxAgeMs = deps.maxAgeMs ?? 15 * 60_000
  let sub: Subscription | undefined
  let stopping = false

  /** The persons of these events, once stored (polling ClickHouse), or those found by the timeout. */
  async function personsOf(events: readonly StreamEventLike[]): Promise<string[]> {
    const ids = [...new Set(events.map((e) => e.messageId ?? '').filter((id) => id !== ''))]
    if (ids.length === 0) return []
    const fromMs = events.reduce((m, e) => Math.min(m, Date.parse(e.timestamp ?? '') || now()), now())
    const deadline = now() + timeoutMs
    for (let wait = 50; ; wait = Math.min(wait * 2, 500)) {
      const found = await store.storedPersons(ids, fromMs)
      if (found.stored.size >= ids.length || now() >= deadline || stopping) {
        if (found.stored.size < ids.length)
          log.warn(
            { missing: ids.length - found.stored.size },
            'events not stored in time; their persons are left to the scheduled sync',
          )
        return found.persons
      }
      await pause(wait)
    }
  }

  async function handle(events: readonly StreamEventLike[]): Promise<string[]> {
    const audiences = deps.audiences()
    const cutoff = now() - maxAgeMs
    const relevant = events.filter(
      (e) => concernsAudiences(e, audiences) && (Date.parse(e.receivedAt ?? '') || now()) >= cutoff,
    )
    if (relevant.length === 0) return []
    const persons = await personsOf(relevant)
    await deps.evaluate(audiences, persons)
    return persons
  }

  return {
    handle,
    async start(): Promise<void> {
      if (sub) return
      stopping = false
      sub = await deps.bus.subscribe({
        topic: TOPICS.raw,
        group: deps.group ?? AUDIENCE_STREAM_GROUP,
        eachBatch: async (batch) => {
          // No stream audience now: nothing to evaluate, so no event is parsed a second time
          // beside identity's (the offsets still move; a later audience starts from the schedule).
          if (deps.audiences().length === 0) return
          const events: StreamEventLike[] = []
          for (const r of batch.records) {
            try {
              events.push(JSON.parse(r.value.toString('utf8')) as StreamEventLike)
            } catch {
              // Not JSON: identity dead-letters it.
            }
          }
          await handle(events)
        },
      })
      log.info('audience stream evaluation started')
    },
    async stop(): Promise<void> {
      stopping = true
      await sub?.stop()
      sub = undefined
    },
  }
}

export type AudienceStream = ReturnType<typeof createAudienceStream>
