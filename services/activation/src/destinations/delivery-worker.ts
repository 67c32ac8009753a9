import type { Bus } from '@sillage/bus'
import { Counter, type Logger, type Registry } from '@sillage/runtime'
import type { Warehouse } from '@sillage/warehouse'
import { createDeliveryStore, type PendingItem } from '../adapters/clickhouse-deliveries.js'
import { createRecipientStore } from '../adapters/clickhouse-recipients.js'
import type { ActivationDefinitions, DestinationDef, WebhookDef } from '../domain/activation-file.js'
import { createCircuitBreaker, type CircuitBreaker } from '../domain/circuit-breaker.js'
import { batchKey, renderBatch, type DeliveryItem } from '../domain/delivery-payload.js'
import { markSnapshot, planBatch, snapshotPersons } from '../domain/delivery-plan.js'
import { createDeadLetters } from './dead-letter.js'
import { createDestinationLanes } from './destination-lanes.js'
import { createErasureNotices } from './erasure-notices.js'
import { createFileExporter } from './file-exporter.js'
import { createReplayCheck } from './replay-check.js'
import { createWebhookSender } from './webhook-sender.js'

export interface DeliveryWorkerDeps {
  warehouse: Warehouse
  log: Logger
  registry: Registry
  /** Dead letters go to activation.deadletters on it (without a bus they are only recorded). */
  bus?: Bus
  /** Signing secrets by destination id. */
  secretOf: (destinationId: string) => string | undefined
  dataDir: string
  now?: () => number
  fetch?: typeof fetch
  /** Backoff of the webhook retries (tests shorten it). */
  baseBackoffMs?: number
  maxBackoffMs?: number
  signal?: AbortSignal
  /**
   * Wraps each read of pending audience changes (the runner passes its sync queue, so a delivery
   * never reads a sync half recorded; the sending happens outside it).
   */
  readLock?: <T>(read: () => Promise<T>) => Promise<T>
}

export interface DeliveryRunResult {
  destination: string
  delivered: number
  dead: number
  skipped: number
  breakerOpen: boolean
  /** Still delivering when `waitMs` ran out: not waited for, the run goes on. */
  inProgress?: boolean
}

const MAX_BATCHES_PER_RUN = 10_000
const idsOf = (batch: readonly DeliveryItem[]) => batch.map((i) => i.id)

/** Audience changes, erasure notices and `sillage destinations deliver` share a destination's lane; triggers have their own. */
const laneOf = (d: DestinationDef, only?: 'audiences' | 'triggers') =>
  `${d.id}\0${only === 'triggers' ? 'triggers' : 'audiences'}`

/**
 * Delivers what is pending to each destination, batch by batch: reads the membership changes and
 * trigger firings not yet delivered (activation_deliveries), sends them (signed webhook, or file),
 * and records the outcome. State lives in ClickHouse, so a kill mid-run re-sends at most the
 * batch in flight, with the same Idempotency-Key and item ids (at-least-once).
 *
 * - An exit goes only to a destination that received the matching entry; otherwise it is skipped.
 *   A destination connected to an audience with a history gets its current consented members,
 *   not the history (domain/delivery-plan.ts).
 * - A batch that exhausts its retries, or that the receiver refuses (4xx), is dead-lettered to
 *   activation.deadletters and recorded dead; `sillage destinations replay` re-queues it.
 * - A circuit breaker per destination stops sending after repeated failures, for a cool-down.
 */
export function createDeliveryWorker(deps: DeliveryWorkerDeps) {
  const log = deps.log.child({ component: 'destinations' })
  const store = createDeliveryStore(deps.warehouse)
  const recipients = createRecipientStore(deps.warehouse)
  const now = deps.now ?? Date.now
  const readLock = deps.readLock ?? (<T>(read: () => Promise<T>) => read())
  const lanes = createDestinationLanes()
  const breakers = new Map<string, CircuitBreaker>()
  const items = new Counter({
    name: 'sillage_destination_items_total',
    help: 'Items handled per destination and outcome',
    labelNames: ['destination', 'outcome'],
    registers: [deps.registry],
  })

  /** When each destination was connected to each audience; once known it does not change. */
  const connections = new Map<string, number>()
  async function connectedAt(destinationId: string, audiences: readonly string[]) {
    const key = (a: string) => `${destinationId}\0${a}`
    const unknown = audiences.filter((a) => !connections.has(key(a)))
    for (const [a, at] of await store.connectedAt(destinationId, unknown)) connections.set(key(a), at)
    const out = new Map<string, number>()
    for (const a of audiences) {
      const at = connections.get(key(a))
      if (at !== undefined) out.set(a, at)
    }
    return out
  }

  const senderFor = (d: WebhookDef, secret: string) =>
    createWebhookSender({
      url: d.url,
      secret,
      maxAttempts: d.maxAttempts,
      timeoutMs: d.timeoutMs,
      baseBackoffMs: deps.baseBackoffMs,
      maxBackoffMs: deps.maxBackoffMs,
      fetch: deps.fetch,
      now,
      signal: deps.signal,
    })

  const breakerOf = (d: DestinationDef) => {
    let b = breakers.get(d.id)
    if (!b) {
      b = createCircuitBreaker(
        d.type === 'webhook'
          ? { threshold: d.breakerThreshold, cooldownMs: d.breakerCooldownMs }
          : { threshold: 3, cooldownMs: 60_000 },
      )
      breakers.set(d.id, b)
    }
    return b
  }

  const deadLetter = createDeadLetters({ bus: deps.bus, store, now })
  const checkReplay = createReplayCheck({ warehouse: deps.warehouse, store })

  async function deliverTo(
    d: DestinationDef,
    defs: ActivationDefinitions,
    only: 'audiences' | 'triggers' | undefined,
  ): Promise<DeliveryRunResult> {
    const result = { destination: d.id, delivered: 0, dead: 0, skipped: 0, breakerOpen: false }
    const audiences =
      only === 'triggers' ? [] : defs.audiences.filter((a) => a.destinations.includes(d.id)).map((a) => a.id)
    const triggers =
      only === 'audiences' ? [] : defs.triggers.filter((t) => t.destinations.includes(d.id)).map((t) => t.id)
    const batchSize = d.type === 'webhook' ? d.batchSize : 10_000
    const secret = d.type === 'webhook' ? deps.secretOf(d.id) : undefined
    if (d.type === 'webhook' && !secret) {
      log.error(
        { destination: d.id },
        'webhook destination without a secret (SILLAGE_DESTINATION_SECRET_<ID>): not delivered',
      )
      return result
    }
    const send = d.type === 'webhook' ? senderFor(d, secret ?? '') : undefined
    const write = d.type === 'file' ? createFileExporter({ ...d, dataDir: deps.dataDir }) : undefined
    const breaker = breakerOf(d)
    /** Recorded delivered (the ledger of recipients is written before a batch leaves). */
    const recorded = async (batch: readonly DeliveryItem[], attempts: number, error?: string) => {
      if (batch.length === 0) return
      await store.mark(d.id, idsOf(batch), 'delivered', { attempts, now: now(), ...(error ? { error } : {}) })
      result.delivered += batch.length
      items.inc({ destination: d.id, outcome: 'delivered' }, batch.length)
    }
    /** Recorded skipped: never sent to this destination (`error`: why, for a replayed item). */
    const skip = async (ids: readonly string[], error?: string) => {
      await store.mark(d.id, ids, 'skipped', { now: now(), ...(error ? { error } : {}) })
      result.skipped += ids.length
      items.inc({ destination: d.id, outcome: 'skipped' }, ids.length)
      if (error) log.info({ destination: d.id, items: ids.length, reason: error }, 'replayed items not sent')
    }
    const queue: PendingItem[] = []
    const held = new Set<string>()
    for (let n = 0; n < MAX_BATCHES_PER_RUN && !deps.signal?.aborted; n++) {
      if (!breaker.allows(now())) {
        result.breakerOpen = true
        break
      }
      // Pending items are read a page (up to 20 batches) at a time, then sent batch by batch: the
      // same items in the same order after a restart, so a re-sent batch is the same batch.
      // Entries held back (no marketing consent now) are not read again in this run.
      if (queue.length === 0) {
        const page = Math.min(batchSize * 20, 20_000)
        const changes = await readLock(async () =>
          markSnapshot(
            await store.pendingAudience(d.id, audiences, page),
            await connectedAt(d.id, audiences),
          ),
        )
        queue.push(
          ...[...changes, ...(await store.pendingTriggers(d.id, triggers, page))].filter(
            (p) => !held.has(p.id),
          ),
        )
      }
      const next = queue.splice(0, batchSize)
      if (next.length === 0) break
      // A replayed dead letter leaves only if it still may: erasure, consent (replay-check.ts).
      const { send: pending, refused } = await checkReplay(next)
      for (const [reason, ids] of refused) await skip(ids, reason)
      // What leaves, what is skipped for good, what waits (domain/delivery-plan.ts).
      const entries = pending.filter((p) => p.enteredId).map((p) => p.enteredId!)
      const plan = planBatch(
        pending,
        await store.delivered(d.id, entries),
        await store.contactable(snapshotPersons(pending)),
      )
      for (const id of plan.hold) held.add(id)
      const { send: batch, skip: skipped } = plan
      if (plan.hold.length > 0)
        log.debug({ destination: d.id, held: plan.hold.length }, 'entries held: no marketing consent now')
      await skip(skipped)
      // Possibly received before a crash: a member the destination may hold (delivery-plan.ts).
      await recipients.remember(d.id, plan.assume, now())
      await recorded(plan.assume, 0, 'in doubt after a restart: assumed received, not sent again')
      if (batch.length === 0) continue
      // The first batches of a new connection: recorded `sending` before they leave, so a crash
      // before their outcome is recorded leaves them in doubt, not forgotten.
      if (pending.some((p) => p.snapshot)) await store.mark(d.id, idsOf(batch), 'sending', { now: now() })
      // Whom the data is disclosed to (docs/activation.md, erasure): recorded before it leaves,
      // since a receiver may keep a batch whose answer never arrived (a timeout, a crash).
      await recipients.remember(d.id, batch, now())
      if (write) {
        write(batch)
        await recorded(batch, 1)
        continue
      }
      if (!send || d.type !== 'webhook') break
      const body = JSON.stringify(renderBatch(d.template, d.id, batch, new Date(now()).toISOString()))
      const outcome = await send(body, batchKey(d.id, batch))
      if (outcome.ok) {
        breaker.success()
        await recorded(batch, outcome.attempts)
      } else if (outcome.permanent || !deps.signal?.aborted) {
        breaker.failure(now())
        await deadLetter(d.id, batch, outcome.reason, outcome.attempts)
        result.dead += batch.length
        items.inc({ destination: d.id, outcome: 'dead' }, batch.length)
        log.warn(
          { destination: d.id, items: batch.length, reason: outcome.reason, attempts: outcome.attempts },
          'batch dead-lettered',
        )
      } else break
    }
    if (result.delivered + result.dead + result.skipped > 0 || result.breakerOpen)
      log.info(result, 'destination delivered')
    return result
  }

  const notifyErasures = createErasureNotices({ ...deps, log, recipients, now, senderFor })

  return {
    /**
     * One pass over every destination, each on its own lane, side by side: a destination that
     * fails, hangs or asks to wait holds back no other (docs/activation.md). A destination whose
     * run of the same kind is already under way joins it rather than starting another.
     * `only`: audience changes or trigger firings alone. The runner delivers the two on separate
     * lanes, so a firing never waits behind an audience sync or backlog.
     */
    async deliverAll(
      defs: ActivationDefinitions,
      opts: { only?: 'audiences' | 'triggers'; waitMs?: number } = {},
    ): Promise<DeliveryRunResult[]> {
      const destinations = defs.destinations.filter(
        (d) => opts.only !== 'triggers' || defs.triggers.some((t) => t.destinations.includes(d.id)),
      )
      // `waitMs` (`sillage audiences sync` through a running start): a destination still
      // delivering then is reported in progress; its run goes on.
      let timer: NodeJS.Timeout | undefined
      const late =
        opts.waitMs === undefined
          ? undefined
          : new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), opts.waitMs)))
      const runs = await Promise.all(
        destinations.map(async (d) => {
          const lane = laneOf(d, opts.only)
          const run = lanes
            .once(lane, () => deliverTo(d, defs, opts.only), `${lane}\0${opts.only ?? ''}`)
            .catch((err: unknown) => {
              log.error({ err, destination: d.id }, 'delivery failed; retried at the next run')
              return undefined
            })
          const r = late ? await Promise.race([run, late]) : await run
          return r !== 'late'
            ? r
            : { destination: d.id, delivered: 0, dead: 0, skipped: 0, breakerOpen: false, inProgress: true }
        }),
      )
      clearTimeout(timer)
      return runs.filter((r): r is DeliveryRunResult => r !== undefined)
    },
    /** Dead letters back to pending; each is checked again when sent (replay-check.ts). */
    replay: (destinationId?: string) => store.replayDead(destinationId, now()),

    /**
     * Erasures passed on to every destination that received the person (erasure-notices.ts): on
     * each destination's lane, after the delivery in flight there; answers how many are left.
     */
    notifyErasures: (defs: ActivationDefinitions, keys: readonly string[]) =>
      notifyErasures(defs, keys, (d, job) => lanes.exclusive(laneOf(d), job)),

    /** Settles when every run and notice started so far has (shutdown). */
    idle: () => lanes.idle(),
  }
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>
