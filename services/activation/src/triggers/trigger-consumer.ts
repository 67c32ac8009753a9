import { TOPICS, type Bus, type Subscription } from '@sillage/bus'
import { Counter, type Logger, type Registry } from '@sillage/runtime'
import type { Warehouse } from '@sillage/warehouse'
import { createTriggerStore, type Firing } from '../adapters/clickhouse-triggers.js'
import type { TriggerDef } from '../domain/activation-file.js'
import { scrubProperties } from '../domain/payload-pii.js'
import {
  allowsMarketing,
  firingKey,
  inCooldown,
  matches,
  statedConsent,
  type StreamEvent,
} from '../domain/trigger-match.js'

export const TRIGGERS_GROUP = 'sillage-activation-triggers'

export interface TriggerConsumerDeps {
  bus: Bus
  warehouse: Warehouse
  log: Logger
  registry: Registry
  triggers: readonly TriggerDef[]
  /** Called after firings are recorded (the runner delivers at once). */
  onFired?: () => void
  /**
   * Whether an identifier of the event was erased (the suppression list, docs/privacy.md): such an
   * event never fires, also when a new trigger or a restart re-reads events.raw from its start.
   */
  suppressed?: (e: StreamEvent) => boolean
  now?: () => number
  group?: string
}

/**
 * Reads events.raw (its own consumer group) and fires the triggers whose event and condition
 * match, once per person per rolling cool-down: an event fires unless a firing of the trigger for
 * the person lies within cooldownHours of it (recorded in ClickHouse, or decided earlier in the
 * batch). The firing's message id derives from (trigger, person, event), firings are recorded
 * before the offsets are committed, and the table collapses repeats, so a restart re-reading the
 * events adds nothing. A person fires only
 * with marketing consent (the event's own context.consent, else the latest their events state),
 * and never once erased (`suppressed`).
 */
export function createTriggerConsumer(deps: TriggerConsumerDeps) {
  const log = deps.log.child({ component: 'triggers' })
  const store = createTriggerStore(deps.warehouse)
  const now = deps.now ?? Date.now
  const fired = new Counter({
    name: 'sillage_trigger_firings_total',
    help: 'Trigger firings recorded',
    labelNames: ['trigger'],
    registers: [deps.registry],
  })
  let sub: Subscription | undefined

  /**
   * `decided`: the firings already decided in this batch, by trigger and person. `stated`: the
   * consent the batch's earlier events stated, by `u:<userId>` and `a:<anonymousId>` (not in
   * ClickHouse yet: a withdrawal just before the event must count).
   */
  async function candidates(
    e: StreamEvent,
    decided: Map<string, number[]>,
    stated: Map<string, string[]>,
  ): Promise<Firing[]> {
    const out: Firing[] = []
    if (deps.suppressed?.(e)) return out
    const eventMs = Date.parse(e.timestamp ?? '') || now()
    for (const t of deps.triggers) {
      if (!matches(t, e)) continue
      const key = firingKey(t.id, e, eventMs)
      if (key.userId === '' && key.anonymousId === '') continue
      // The rolling cool-down: no firing of this trigger for this person within cooldownHours of
      // the event, in this batch or recorded (by this process before a restart, or another).
      const who = `${t.id}\0${key.userId}\0${key.anonymousId}`
      const local = decided.get(who) ?? []
      if (inCooldown(eventMs, local, t.cooldownHours)) continue
      const cd = t.cooldownHours * 3_600_000
      if (
        cd > 0 &&
        inCooldown(
          eventMs,
          await store.firingTimes(t.id, key.userId, key.anonymousId, eventMs - cd, eventMs + cd),
          t.cooldownHours,
        )
      )
        continue
      const cats =
        statedConsent(e) ??
        stated.get(`u:${e.userId ?? ''}`) ??
        stated.get(`a:${e.anonymousId ?? ''}`) ??
        (await store.consent(key.userId, e.anonymousId ?? ''))
      if (!allowsMarketing(cats)) continue
      if (
        t.firstTime &&
        (await store.hasEarlier(t.event, key.userId, e.anonymousId ?? '', eventMs, e.messageId ?? ''))
      )
        continue
      if (t.awayDays !== undefined) {
        const last = await store.lastSeenBefore(key.userId, e.anonymousId ?? '', eventMs)
        if (last === undefined || eventMs - last < t.awayDays * 86_400_000) continue
      }
      out.push({
        triggerId: t.id,
        ...key,
        eventMessageId: e.messageId ?? '',
        payload: {
          event: e.event,
          event_message_id: e.messageId,
          timestamp: e.timestamp,
          // Nested PII (billing.email, items[].address) hashed or dropped, as at the top level.
          properties: scrubProperties(e.properties ?? {}),
        },
        firedAt: now(),
      })
      decided.set(who, [...local, eventMs])
    }
    return out
  }

  /** One batch of events: the firings it causes, recorded. Exposed for tests and benchmarks. */
  async function handle(events: readonly StreamEvent[]): Promise<Firing[]> {
    const found: Firing[] = []
    const decided = new Map<string, number[]>()
    const stated = new Map<string, string[]>()
    for (const e of events) {
      const own = statedConsent(e)
      if (own && e.userId) stated.set(`u:${e.userId}`, own)
      if (own && e.anonymousId) stated.set(`a:${e.anonymousId}`, own)
      found.push(...(await candidates(e, decided, stated)))
    }
    const unique = [...new Map(found.map((f) => [f.messageId, f])).values()]
    const already = await store.fired(unique.map((f) => f.messageId))
    const fresh = unique.filter((f) => !already.has(f.messageId))
    if (fresh.length > 0) {
      await store.record(fresh)
      for (const f of fresh) fired.inc({ trigger: f.triggerId })
      log.info({ firings: fresh.length }, 'triggers fired')
      deps.onFired?.()
    }
    return fresh
  }

  return {
    handle,
    async start(): Promise<void> {
      if (deps.triggers.length === 0 || sub) return
      const names = new Set(deps.triggers.map((t) => t.event))
      sub = await deps.bus.subscribe({
        topic: TOPICS.raw,
        group: deps.group ?? TRIGGERS_GROUP,
        eachBatch: async (batch) => {
          const events: StreamEvent[] = []
          for (const r of batch.records) {
            try {
              const e = JSON.parse(r.value.toString('utf8')) as StreamEvent
              if (e.type === 'track' && e.event !== undefined && names.has(e.event)) events.push(e)
            } catch {
              // Not JSON: identity dead-letters it; nothing to trigger.
            }
          }
          await handle(events)
        },
      })
      log.info({ triggers: deps.triggers.map((t) => t.id) }, 'triggers started')
    },
    async stop(): Promise<void> {
      await sub?.stop()
      sub = undefined
    },
  }
}

export type TriggerConsumer = ReturnType<typeof createTriggerConsumer>
