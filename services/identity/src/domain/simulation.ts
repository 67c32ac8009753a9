import type { EnrichedEvent } from '@sillage/schemas'
import { VERSION_STRIDE, createIdentityGraph, type AuditEntry, type IdentityGraph } from './identity-graph.js'
import type { IdentityRules } from '@sillage/identifiers'
import { decodeChangelog, decodeEdge, encodeDelta, encodeEdge, type KeyedValue } from './messages.js'
import { createStitcher, type Stitcher } from './stitcher.js'

/**
 * An in-memory deployment of identity, for scenario tests and the benchmark: partitions, N
 * instances (each with its stitcher and its own changelog view), one resolver, the edges and
 * changelog logs as encoded messages. What it does not have is I/O; what it adds is control over
 * the interleavings: which partition goes next, how late the views are, batches that fail after
 * producing their edges (redelivery), partitions that change hands (barrier, local logins lost).
 */

export interface SimulationOptions {
  rules: IdentityRules
  partitions: number
  /** The bus partitioner (Kafka's murmur2 in production). */
  partitionOf: (key: string, partitions: number) => number
  instances?: number
  batchSize?: number
  /** Changelog records the views have not applied yet after each step. */
  viewLag?: number
  /** Chance that a batch fails after producing its edges (it is then delivered again). */
  failureRate?: number
  /** Chance, per batch, that its partition moves to another instance. */
  rebalanceRate?: number
  /** Seeds the interleaving. */
  seed?: number
  topic?: string
}

export interface SimulationResult {
  /** messageId → person stamped at ingest. */
  stamps: Map<string, string>
  /** The person an event ends up with (its stamp through the overrides: events_resolved). */
  resolved(messageId: string): string
  resolver: IdentityGraph
  audit: AuditEntry[]
  edges: number
  changelogRecords: number
  batches: number
}

/** xorshift32: enough to shuffle interleavings reproducibly. */
function createStep(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9
  return () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s / 4294967296
  }
}

export function simulate(events: readonly EnrichedEvent[], options: SimulationOptions): SimulationResult {
  const { rules, partitions } = options
  const instances = options.instances ?? 1
  const batchSize = options.batchSize ?? 200
  const viewLag = options.viewLag ?? 0
  const topic = options.topic ?? 'events.raw'
  const random = createStep(options.seed ?? 1)

  const queues: EnrichedEvent[][] = Array.from({ length: partitions }, () => [])
  for (const e of events) queues[options.partitionOf(e.anonymousId ?? e.userId ?? '', partitions)]!.push(e)
  const cursors = new Array<number>(partitions).fill(0)
  const owners = Array.from({ length: partitions }, (_, p) => p % instances)
  const synced = new Set<number>()

  const views = Array.from({ length: instances }, () => createIdentityGraph(rules))
  const viewCursors = new Array<number>(instances).fill(0)
  const stitchers: Stitcher[] = views.map((v) => createStitcher(rules, v))
  const resolver = createIdentityGraph(rules)
  const edgesLog: Buffer[] = []
  const changelog: KeyedValue[] = []
  const audit: AuditEntry[] = []
  const stamps = new Map<string, string>()
  let resolverCursor = 0
  let batches = 0

  const runResolver = (): void => {
    for (; resolverCursor < edgesLog.length; resolverCursor++) {
      const m = decodeEdge(edgesLog[resolverCursor]!)
      if (m?.kind === 'edge') resolver.applyEdge(m.edge, resolverCursor * VERSION_STRIDE)
    }
    const delta = resolver.drain()
    audit.push(...delta.audit)
    changelog.push(...encodeDelta(delta))
  }
  const catchUp = (i: number, upTo: number): void => {
    for (; viewCursors[i]! < upTo; viewCursors[i]!++) {
      const r = changelog[viewCursors[i]!]!
      const m = decodeChangelog(r.key, r.value)
      if (m && m.kind !== 'barrier') views[i]!.applyRecord(m)
    }
  }
  /** The barrier: the resolver decides everything produced so far, the view reads it all. */
  const barrier = (i: number): void => {
    runResolver()
    catchUp(i, changelog.length)
  }

  for (;;) {
    const open: number[] = []
    for (let p = 0; p < partitions; p++) if (cursors[p]! < queues[p]!.length) open.push(p)
    if (open.length === 0) break
    const p = open[Math.floor(random() * open.length)]!
    if (instances > 1 && random() < (options.rebalanceRate ?? 0)) {
      owners[p] = (owners[p]! + 1 + Math.floor(random() * (instances - 1))) % instances
      synced.delete(p)
    }
    const i = owners[p]!
    if (!synced.has(p)) {
      stitchers[i]!.reset(p)
      barrier(i)
      synced.add(p)
    }
    const start = cursors[p]!
    const batch = queues[p]!.slice(start, start + batchSize)
    const scope = stitchers[i]!.begin(topic, p)
    const batchStamps: Array<[string, string]> = []
    batch.forEach((event, k) => {
      const s = scope.stitch(event, start + k)
      batchStamps.push([event.messageId, s.personId])
      if (s.edge) edgesLog.push(encodeEdge(s.edge))
    })
    batches++
    if (random() < (options.failureRate ?? 0)) continue // stored nothing; the same batch comes again
    for (const [m, person] of batchStamps) stamps.set(m, person)
    scope.commit()
    cursors[p] = start + batch.length
    if (random() < 0.5) runResolver()
    for (let v = 0; v < instances; v++) catchUp(v, Math.max(viewCursors[v]!, changelog.length - viewLag))
  }
  runResolver()
  for (let v = 0; v < instances; v++) catchUp(v, changelog.length)

  return {
    stamps,
    resolved: (messageId) => resolver.resolve(stamps.get(messageId) ?? ''),
    resolver,
    audit,
    edges: edgesLog.length,
    changelogRecords: changelog.length,
    batches,
  }
}
