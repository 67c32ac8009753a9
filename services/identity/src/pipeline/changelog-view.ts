import { randomUUID } from 'node:crypto'
import { TOPICS, type Bus, type Subscription } from '@sillage/bus'
import type { Logger } from '@sillage/runtime'
import { createIdentityGraph, type IdentityGraph } from '../domain/identity-graph.js'
import type { IdentityRules } from '@sillage/identifiers'
import { decodeChangelog, encodeChangelogBarrier, encodeEdgeBarrier } from '../domain/messages.js'
import { IdentityError } from '../errors.js'

export interface ChangelogViewDeps {
  bus: Bus
  rules: IdentityRules
  log: Logger
  /** The view's own consumer group (one per instance: every view reads the whole changelog). */
  group: string
  syncTimeoutMs: number
}

/**
 * This instance's copy of the identity graph, rebuilt from identity.changelog and kept up to date
 * by following it. Barriers make "everything decided before now" waitable:
 * - `syncThroughResolver` sends one through identity.edges: when the changelog echoes it, every
 *   edge produced before it has been decided, stored in ClickHouse and applied here;
 * - `syncChangelog` appends one to the changelog itself: when it is read back, the view holds
 *   everything written before (what the resolver needs when it takes over).
 */
export function createChangelogView(deps: ChangelogViewDeps) {
  const log = deps.log.child({ component: 'identity-view' })
  const graph: IdentityGraph = createIdentityGraph(deps.rules)
  const waiters = new Map<string, () => void>()
  let subscription: Subscription | undefined
  let stopped = false
  let skipped = 0
  /** Tombstones applied so far: a resolver holding an older copy of the graph takes a new one. */
  let erasures = 0

  function waitFor(nonce: string, what: string): { done: Promise<void>; cancel: () => void } {
    let timer: NodeJS.Timeout | undefined
    const done = new Promise<void>((resolve, reject) => {
      waiters.set(nonce, () => {
        clearTimeout(timer)
        waiters.delete(nonce)
        resolve()
      })
      timer = setTimeout(() => {
        waiters.delete(nonce)
        reject(
          new IdentityError(stopped ? 'SIL_IDENTITY_STOPPED' : 'SIL_IDENTITY_SYNC_TIMEOUT', {
            message: stopped
              ? `the identity service stopped during ${what}`
              : `${what}: no echo within ${deps.syncTimeoutMs} ms (is a resolver consuming identity.edges?)`,
          }),
        )
      }, deps.syncTimeoutMs)
    })
    return { done, cancel: () => waiters.get(nonce)?.() }
  }

  async function barrier(what: string, send: (nonce: string) => Promise<void>): Promise<void> {
    const nonce = randomUUID()
    const wait = waitFor(nonce, what)
    try {
      await send(nonce)
    } catch (err) {
      wait.cancel()
      throw err
    }
    await wait.done
  }

  return {
    graph,

    erasures: (): number => erasures,

    async start(): Promise<void> {
      subscription = await deps.bus.subscribe({
        topic: TOPICS.changelog,
        group: deps.group,
        // Read from the start at every start, and leave no offsets behind.
        commit: false,
        maxBatchRecords: 5000,
        eachBatch: async (batch) => {
          for (const record of batch.records) {
            const m = decodeChangelog(record.key, record.value)
            if (!m) {
              if (skipped++ % 1000 === 0)
                log.warn(
                  // A tombstone's key names an erased identifier: never log it.
                  { offset: record.offset, ...(record.value.length > 0 && { key: record.key }) },
                  'changelog record not understood; skipped',
                )
              continue
            }
            if (m.kind === 'barrier') waiters.get(m.nonce)?.()
            else {
              graph.applyRecord(m)
              if (m.kind === 'identity-erased' || m.kind === 'override-erased') erasures++
            }
          }
        },
        onError: (err) => log.error({ err }, 'changelog batch failed; will be redelivered'),
      })
    },

    syncThroughResolver: (): Promise<void> =>
      barrier('a barrier through identity.edges', (nonce) =>
        deps.bus.produce(TOPICS.edges, [{ key: 'barrier', value: encodeEdgeBarrier(nonce) }]),
      ),

    syncChangelog: (): Promise<void> =>
      barrier('a barrier on identity.changelog', (nonce) =>
        deps.bus.produce(TOPICS.changelog, [encodeChangelogBarrier(nonce)]),
      ),

    async stop(): Promise<void> {
      stopped = true
      await subscription?.stop()
      subscription = undefined
    },
  }
}

export type ChangelogView = ReturnType<typeof createChangelogView>
