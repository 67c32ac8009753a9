import { TOPICS, type Batch, type Bus, type Subscription } from '@sillage/bus'
import type { Logger } from '@sillage/runtime'
import type { ClickHouseSink } from '../adapters/clickhouse-sink.js'
import { VERSION_STRIDE, type IdentityGraph } from '../domain/identity-graph.js'
import { decodeEdge, encodeChangelogBarrier, encodeDelta } from '../domain/messages.js'
import type { IdentityMetrics } from '../metrics.js'
import type { ChangelogView } from './changelog-view.js'

export interface EdgeResolverDeps {
  bus: Bus
  sink: ClickHouseSink
  view: ChangelogView
  log: Logger
  metrics: IdentityMetrics
  /** Every identity process joins this group; identity.edges has one partition, so one resolves. */
  group: string
}

/**
 * The resolver: consumes identity.edges (one partition, so one active member of the group at a
 * time; the group fails over), decides every link with the merge rules on the global graph, then,
 * per batch: writes identities, person_overrides and identity_merges to ClickHouse, publishes the
 * changes (and the barriers' echoes) on identity.changelog, and only then lets the bus commit.
 *
 * Its graph is a copy of the view taken when it becomes active (after reading the changelog to
 * its end), and again whenever the offsets it is handed do not follow the last ones it handled,
 * a batch failed, or the view applied an erasure's tombstones: decisions are a function of the changelog and the edges, so a replay after a
 * crash decides the same and rewrites the same versioned rows.
 */
export function createEdgeResolver(deps: EdgeResolverDeps) {
  const log = deps.log.child({ component: 'identity-resolver' })
  const { metrics } = deps
  let state: IdentityGraph | undefined
  let lastOffset = -1
  /** The view's erasure count when `state` was copied from it. */
  let erasuresSeen = 0
  let subscription: Subscription | undefined

  async function activate(batch: Batch): Promise<IdentityGraph> {
    await deps.view.syncChangelog()
    erasuresSeen = deps.view.erasures()
    const graph = deps.view.graph.clone()
    log.info({ fromOffset: batch.records[0]?.offset, ...graph.stats() }, 'resolver active')
    return graph
  }

  async function handleBatch(batch: Batch): Promise<void> {
    const first = batch.records[0]
    const last = batch.records.at(-1)
    if (!first || !last) return
    const started = process.hrtime.bigint()
    // An erasure since the copy: the erased identifiers must leave this copy too.
    if (!state || first.offset !== lastOffset + 1 || deps.view.erasures() !== erasuresSeen) {
      state = undefined
      state = await activate(batch)
    }
    const graph = state
    try {
      const echoes: string[] = []
      let applied = 0
      for (const record of batch.records) {
        const m = decodeEdge(record.value)
        if (!m) {
          log.warn({ offset: record.offset }, 'identity.edges record not understood; skipped')
          continue
        }
        if (m.kind === 'barrier') {
          echoes.push(m.nonce)
          continue
        }
        const outcomes = graph.applyEdge(m.edge, record.offset * VERSION_STRIDE)
        if (outcomes) applied++
      }
      const delta = graph.drain()
      const token = `${batch.topic}:${batch.partition}:${first.offset}-${last.offset}`
      // The audit first, the overrides last: once events_resolved shows a merge, its audit row
      // and the identities are there too.
      await deps.sink.insertMerges(delta.audit, `${token}:merges`)
      await deps.sink.insertIdentities(delta.identities, `${token}:identities`)
      await deps.sink.insertOverrides(delta.overrides, `${token}:overrides`)
      const records = encodeDelta(delta)
      for (const nonce of echoes) records.push(encodeChangelogBarrier(nonce))
      if (records.length > 0) await deps.bus.produce(TOPICS.changelog, records)
      lastOffset = last.offset
      metrics.resolverEdges.inc(applied)
      for (const a of delta.audit) metrics.merges.inc({ decision: a.decision, reason: a.reason })
      metrics.resolverBatchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9)
      log.debug(
        { edges: applied, identities: delta.identities.length, overrides: delta.overrides.length },
        'resolver batch published',
      )
    } catch (err) {
      // The graph holds decisions that were not published: start again from the changelog.
      state = undefined
      throw err
    }
  }

  return {
    async start(): Promise<void> {
      subscription = await deps.bus.subscribe({
        topic: TOPICS.edges,
        group: deps.group,
        maxBatchRecords: 5000,
        eachBatch: handleBatch,
        onError: (err, batch) =>
          log.error({ err, records: batch.records.length }, 'resolver batch failed; will be redelivered'),
      })
    },
    async stop(): Promise<void> {
      await subscription?.stop()
      subscription = undefined
      state = undefined
    },
  }
}
