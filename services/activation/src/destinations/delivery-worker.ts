import { TOPICS, type Bus } from '@sillage/bus'
import { Counter, type Logger, type Registry } from '@sillage/runtime'
import type { Warehouse } from '@sillage/warehouse'
import { createDeliveryStore, type PendingItem } from '../adapters/clickhouse-deliveries.js'
import { createRecipientStore } from '../adapters/clickhouse-recipients.js'
import type { ActivationDefinitions, DestinationDef, WebhookDef } from '../domain/activation-file.js'
import { createCircuitBreaker, type CircuitBreaker } from '../domain/circuit-breaker.js'
import { batchKey, renderBatch, type DeliveryItem } from '../domain/delivery-payload.js'
import { markSnapshot, planBatch, snapshotPersons } from '../domain/delivery-plan.js'
import { createErasureNotices } from './erasure-notices.js'
import { createFileExporter } from './file-exporter.js'
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
}

export interface DeliveryRunResult {
  destination: string
  delivered: number
  dead: number
  skipped: number
  breakerOpen: boolean
}

const MAX_BATCHES_PER_RUN = 10_000

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

  async function deadLetter(
    d: DestinationDef,
    batch: readonly DeliveryItem[],
    reason: string,
    attempts: number,
  ) {
    if (deps.bus) {
      const letter = {
        destination: d.id,
        batch_key: batchKey(d.id, batch),
        reason,
        attempts,
        at: new Date(now()).toISOString(),
        items: batch,
      }
      await deps.bus.produce(TOPICS.activationDeadLetters, [
        { key: d.id, value: Buffer.from(JSON.stringify(letter)) },
      ])
    }
    await store.mark(
      d.id,
      batch.map((i) => i.id),
      'dead',
      { attempts, error: reason, now: now() },
    )
  }

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
        const changes = markSnapshot(
          await store.pendingAudience(d.id, audiences, page),
          await connectedAt(d.id, audiences),
        )
        queue.push(
          ...[...changes, ...(await store.pendingTriggers(d.id, triggers, page))].filter(
            (p) => !held.has(p.id),
          ),
        )
      }
      const pending = queue.splice(0, batchSize)
      if (pending.length === 0) break
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
      await store.mark(d.id, skipped, 'skipped', { now: now() })
      result.skipped += skipped.length
      items.inc({ destination: d.id, outcome: 'skipped' }, skipped.length)
      if (batch.length === 0) continue
      if (write) {
        write(batch)
        await recipients.remember(d.id, batch, now())
        await store.mark(
          d.id,
          batch.map((i) => i.id),
          'delivered',
          { attempts: 1, now: now() },
        )
        result.delivered += batch.length
        items.inc({ destination: d.id, outcome: 'delivered' }, batch.length)
        continue
      }
      if (!send || d.type !== 'webhook') break
      const body = JSON.stringify(renderBatch(d.template, d.id, batch, new Date(now()).toISOString()))
      const outcome = await send(body, batchKey(d.id, batch))
      if (outcome.ok) {
        breaker.success()
        await recipients.remember(d.id, batch, now())
        await store.mark(
          d.id,
          batch.map((i) => i.id),
          'delivered',
          { attempts: outcome.attempts, now: now() },
        )
        result.delivered += batch.length
        items.inc({ destination: d.id, outcome: 'delivered' }, batch.length)
      } else if (outcome.permanent || !deps.signal?.aborted) {
        breaker.failure(now())
        await deadLetter(d, batch, outcome.reason, outcome.attempts)
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

  return {
    /**
     * One pass over every destination; a failing destination does not hold back the others.
     * `only`: audience changes or trigger firings alone. The runner delivers the two on separate
     * queues, so a firing never waits behind an audience sync or backlog.
     */
    async deliverAll(
      defs: ActivationDefinitions,
      opts: { only?: 'audiences' | 'triggers' } = {},
    ): Promise<DeliveryRunResult[]> {
      const out: DeliveryRunResult[] = []
      for (const d of defs.destinations) {
        if (opts.only === 'triggers' && !defs.triggers.some((t) => t.destinations.includes(d.id))) continue
        try {
          out.push(await deliverTo(d, defs, opts.only))
        } catch (err) {
          log.error({ err, destination: d.id }, 'delivery failed; retried at the next run')
        }
      }
      return out
    },
    replay: (destinationId?: string) => store.replayDead(destinationId, now()),

    /** Erasures passed on to every destination that received the person (erasure-notices.ts). */
    notifyErasures: createErasureNotices({ ...deps, log, recipients, now, senderFor }),
  }
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>
