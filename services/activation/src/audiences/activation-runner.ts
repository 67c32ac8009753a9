import { followTopic, TOPICS, type Bus, type TopicFollower } from '@sillage/bus'
import { applySuppressionRecord, createSuppressionList } from '@sillage/identifiers'
import type { Logger, Registry } from '@sillage/runtime'
import type { Warehouse } from '@sillage/warehouse'
import type { ActivationOptions } from '../activation.config.js'
import { secretVariable } from '../activation.config.js'
import { EMPTY_DEFINITIONS, type ActivationDefinitions, type AudienceDef } from '../domain/activation-file.js'
import { readDefinitions } from './merged-definitions.js'
import { createApiAudiences } from './api-audiences.js'
import { mergeDefinitions, type MergedDefinitions } from '../domain/merge-definitions.js'
import { createDeliveryWorker } from '../destinations/delivery-worker.js'
import { createTriggerConsumer, type TriggerConsumer } from '../triggers/trigger-consumer.js'
import { isStreamEvaluable } from '../domain/audience-stream.js'
import { createAudienceStream, type AudienceStream } from './audience-stream.js'
import { createAudienceSync } from './audience-sync.js'
import { createSyncRetry } from './sync-retry.js'
import { createTimerSet } from './timer-set.js'

export interface ActivationRunnerDeps {
  warehouse: Warehouse
  bus: Bus
  log: Logger
  registry: Registry
  options: Readonly<ActivationOptions>
  now?: () => number
}

/**
 * Audiences on a schedule, then delivery: every syncIntervalMs the audiences are recomputed, and
 * every deliveryIntervalMs what is pending is delivered. The file is re-read at each sync, so an
 * edit needs no restart (a bad edit is logged and the previous definitions kept).
 */
export function createActivationRunner(deps: ActivationRunnerDeps) {
  const log = deps.log.child({ component: 'activation' })
  const now = deps.now ?? Date.now
  const abort = new AbortController()
  let fileDefs: ActivationDefinitions = EMPTY_DEFINITIONS
  let defs: MergedDefinitions = mergeDefinitions(EMPTY_DEFINITIONS, [])
  /** Whether the API's audiences have been read once (a delivery before any sync reads them). */
  let loaded = false
  // Audiences from the admin API, beside the file's (docs/activation.md: the file wins an id).
  const api = createApiAudiences({ warehouse: deps.warehouse, log, now })
  const sync = createAudienceSync({
    warehouse: deps.warehouse,
    bus: deps.bus,
    log: deps.log,
    registry: deps.registry,
    now,
  })
  const delivery = createDeliveryWorker({
    warehouse: deps.warehouse,
    bus: deps.bus,
    log: deps.log,
    registry: deps.registry,
    dataDir: deps.options.dataDir,
    secretOf: (id) => deps.options.secrets[secretVariable(id)],
    now,
    signal: abort.signal,
    // A delivery reads what is pending between syncs, never a sync half recorded; it sends on
    // its destination's own lane, outside this queue (a slow receiver holds back no sync).
    readLock: (read) => serial(read),
  })
  const reload = () => {
    try {
      fileDefs = readDefinitions(deps.options.file)
    } catch (err) {
      log.error({ err, file: deps.options.file }, 'activation file invalid; keeping the previous definitions')
    }
    defs = api.merge(fileDefs)
    return defs
  }
  /** The file and the API's audiences, both read afresh. */
  const reloadAll = async () => {
    loaded = true
    try {
      await api.refresh()
    } catch (err) {
      log.error({ err }, 'could not read the API audiences; keeping the previous ones')
    }
    return reload()
  }
  let chain: Promise<unknown> = Promise.resolve()
  /**
   * One job at a time: syncs, stream evaluations and the deliveries' reads of what is pending.
   * Never await a delivery inside it (its read would wait for the job awaiting it).
   */
  const serial = <T>(job: () => Promise<T>): Promise<T> => {
    const run = chain.then(job, job)
    chain = run.catch(() => undefined)
    return run
  }
  let triggers: TriggerConsumer | undefined
  let stream: AudienceStream | undefined
  let deliverAudiencesSoon: NodeJS.Timeout | undefined
  let follower: TopicFollower | undefined
  /** Suppression keys (privacy.suppressions) not yet checked against the recipients. */
  const erasureKeys = new Set<string>()
  let erasing: Promise<void> | undefined
  /** One pass at a time; each destination is told on its own lane (delivery-worker.ts). */
  const passOnErasures = () => {
    if (erasing || erasureKeys.size === 0) return
    const keys = [...erasureKeys]
    erasing = delivery
      .notifyErasures(defs, keys)
      .then((remaining) => {
        if (remaining === 0) for (const k of keys) erasureKeys.delete(k)
      })
      .catch((err: unknown) => log.error({ err }, 'erasure notices failed; retried at the next run'))
      .finally(() => (erasing = undefined))
  }
  /** Audience changes to every destination, each on its own lane; not awaited on the queue. */
  const deliverAudiences = () => {
    if (abort.signal.aborted) return
    void delivery
      .deliverAll(defs, { only: 'audiences' })
      .catch((err: unknown) => log.error({ err }, 'audience delivery failed'))
  }
  let deliverSoon: NodeJS.Timeout | undefined
  /** Trigger firings, on each destination's trigger lane: never behind an audience sync or another destination. */
  const deliverTriggers = () => {
    if (abort.signal.aborted) return
    void delivery
      .deliverAll(defs, { only: 'triggers' })
      .catch((err: unknown) => log.error({ err }, 'trigger delivery failed'))
  }
  // A failing audience is retried on its own, with backoff, before the next scheduled sync.
  const retry = createSyncRetry({
    baseMs: Math.max(deps.options.deliveryIntervalMs, 1000),
    maxMs: deps.options.syncIntervalMs,
    retry: (ids) =>
      serial(async () => {
        const audiences = (await reloadAll()).audiences.filter((a) => ids.has(a.id))
        retry.forget([...ids].filter((id) => !audiences.some((a) => a.id === id)))
        if (audiences.length === 0) return
        await syncAudiences(audiences)
        deliverAudiences()
      }),
    onError: (err) => log.error({ err }, 'audience retry failed'),
  })
  /** Syncs these audiences (each isolated, audience-sync.ts); the failed ones are retried. */
  const syncAudiences = async (audiences: readonly AudienceDef[]) => {
    const results = await sync.syncAll(audiences)
    retry.settled(
      audiences.map((a) => a.id),
      results.map((r) => r.audienceId),
    )
    return results
  }
  const timers = createTimerSet()
  let stopped = true
  const every = (ms: number, job: () => Promise<unknown>) => {
    const tick = () => {
      if (stopped) return
      void serial(job)
        .catch((err: unknown) => log.error({ err }, 'activation job failed; retried at the next run'))
        .finally(() => {
          if (!stopped) timers.later(tick, ms)
        })
    }
    timers.later(tick, 0)
  }

  /** Recomputes every audience (file and API), or only the one with this id (none if no such id). */
  const syncNow = (id?: string) =>
    serial(async () => {
      const all = (await reloadAll()).audiences
      return syncAudiences(id === undefined ? all : all.filter((a) => a.id === id))
    })
  /**
   * Delivers what is pending. Within a running start (the admin API's sync), a destination still
   * delivering after 10 s (a slow receiver) is reported in progress, not waited for; a one-off
   * CLI run, whose process ends with it, waits for every destination.
   */
  const deliverNow = async () =>
    delivery.deliverAll(loaded ? defs : await serial(reloadAll), stopped ? {} : { waitMs: 10_000 })

  return {
    definitions: () => reload(),
    /** The file and API definitions, the API's read afresh. */
    loadDefinitions: reloadAll,
    /** The file's definitions alone (the admin API shows them read-only). */
    fileDefinitions: () => (reload(), fileDefs),
    api,
    /** After an API write: re-read, then sync that audience (and deliver) on the queue. */
    audienceChanged(audience?: AudienceDef): void {
      void serial(async () => {
        await reloadAll()
        if (audience && deps.options.enabled) {
          await syncAudiences([audience])
          deliverAudiences()
        }
      }).catch((err: unknown) => log.error({ err }, 'audience sync after an API change failed'))
    },
    syncNow,
    deliverNow,
    preview: sync.preview,
    replay: delivery.replay,
    start(): void {
      if (!deps.options.enabled || !stopped) return
      stopped = false
      retry.start()
      reload()
      every(deps.options.syncIntervalMs, async () => {
        await syncAudiences((await reloadAll()).audiences)
        deliverAudiences()
      })
      // Off the queue: a destination still busy from the last tick keeps one run waiting, no more.
      const deliveryTick = () => {
        if (stopped) return
        passOnErasures()
        deliverAudiences()
        timers.later(deliveryTick, deps.options.deliveryIntervalMs)
      }
      timers.later(deliveryTick, 0)
      // Firings are delivered when they fire; this retries what failed or was missed.
      const retryTriggers = () => {
        if (stopped) return
        deliverTriggers()
        timers.later(retryTriggers, deps.options.deliveryIntervalMs)
      }
      timers.later(retryTriggers, 0)
      // Erasures reach every destination that received the person (docs/activation.md), and an
      // erased person's events never fire a trigger: the triggers start once the list is read.
      const erased = createSuppressionList()
      const followed = followTopic(deps.bus, {
        topic: TOPICS.suppressions,
        groupPrefix: 'sillage.activation.suppressions',
        onRecord: (r) => {
          applySuppressionRecord(erased, r.key, r.value)
          if (r.key && r.value.length > 0) erasureKeys.add(r.key)
        },
      }).then((f) => {
        follower = f
        if (stopped) void f.stop()
        return f.caughtUp
      })
      followed.catch((err: unknown) => log.error({ err }, 'could not follow privacy.suppressions'))
      // Triggers are read at start: a change to them needs a restart.
      triggers = createTriggerConsumer({
        suppressed: (e) => erased.match(e) !== undefined,
        bus: deps.bus,
        warehouse: deps.warehouse,
        log: deps.log,
        registry: deps.registry,
        triggers: defs.triggers,
        now,
        // A firing is delivered at once, not at the next delivery tick.
        onFired: () => {
          if (deliverSoon || stopped) return
          deliverSoon = setTimeout(() => {
            deliverSoon = undefined
            deliverTriggers()
          }, 0)
        },
      })
      const startTriggers = triggers.start
      followed
        .then(() => (stopped ? undefined : startTriggers()))
        .catch((err: unknown) => log.error({ err }, 'triggers could not start'))
      // Stream-evaluable audiences change at once when an event changes a person's attributes;
      // the evaluation shares the sync's queue, so the two never interleave on one audience.
      stream = createAudienceStream({
        bus: deps.bus,
        warehouse: deps.warehouse,
        log: deps.log,
        now,
        audiences: () => defs.audiences.filter(isStreamEvaluable),
        evaluate: async (audiences, persons) => {
          const changes = await serial(() => sync.syncPersons(audiences, persons))
          if (changes === 0 || deliverAudiencesSoon || stopped) return
          deliverAudiencesSoon = setTimeout(() => {
            deliverAudiencesSoon = undefined
            deliverAudiences()
          }, 0)
        },
      })
      stream.start().catch((err: unknown) => log.error({ err }, 'audience stream could not start'))
      log.info(
        { file: deps.options.file, audiences: defs.audiences.length, destinations: defs.destinations.length },
        'activation started',
      )
    },
    async stop(): Promise<void> {
      stopped = true
      retry.stop()
      abort.abort()
      timers.clear()
      if (deliverSoon) clearTimeout(deliverSoon)
      if (deliverAudiencesSoon) clearTimeout(deliverAudiencesSoon)
      await triggers?.stop()
      await stream?.stop()
      await follower?.stop()
      await chain
      await erasing
      await delivery.idle()
    },
  }
}

export type ActivationRunner = ReturnType<typeof createActivationRunner>
