// Identity stitching: how fast identity stamps events and how fast the resolver decides merges,
// on a shop-like stream where 5% of the events are identify calls.
//
//   pnpm bench:identity                  (after pnpm build)
//   EVENTS=400000 E2E_EVENTS=200000 pnpm bench:identity
//
// 1. stitch: extraction, normalisation, hashing, stamping and edge selection (one instance,
//    its changelog view not yet caught up: every novel link becomes an edge — the worst case);
// 2. resolver: decoding those edges, the merge decisions, the changelog and ClickHouse deltas;
// 3. in memory, both together: one instance, the resolver and the view following the changelog;
// 4. end to end, embedded: events already on the local log → identity → chDB, until every event
//    is stored and every edge decided (a barrier through the resolver).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { performance } from 'node:perf_hooks'
import { join } from 'node:path'
import { createLocalBus, defaultTopicSpecs, partitionForKey, TOPICS } from '../packages/bus/dist/index.js'
import { createLogger, createMetricsRegistry } from '../packages/runtime/dist/index.js'
import { createRng } from '@sillage/testkit'
import { createWarehouse, migrate } from '../packages/warehouse/dist/index.js'
import {
  createIdentityGraph,
  createIdentityRules,
  createIdentityService,
  createStitcher,
  decodeEdge,
  encodeDelta,
  encodeEdge,
  simulate,
  VERSION_STRIDE,
} from '../services/identity/dist/index.js'
import { machine } from './lib.mjs'

const EVENTS = Number(process.env.EVENTS ?? 200_000)
const E2E_EVENTS = Number(process.env.E2E_EVENTS ?? 100_000)
const IDENTIFY_SHARE = Number(process.env.IDENTIFY_SHARE ?? 0.05)
const PARTITIONS = 8

/** A shop-like stream: ~20 events per browser, 70% of visitors known, logins stick to the browser. */
function workload(n, seed) {
  const rng = createRng(seed)
  const random = () => rng.next()
  const devices = Math.max(1, Math.floor(n / 20))
  const people = Math.max(1, Math.floor(devices * 0.7))
  const owner = Array.from({ length: devices }, () => Math.floor(random() * people))
  const hasAccount = Array.from({ length: people }, () => random() < 0.6)
  const loggedIn = new Uint8Array(devices)
  const t0 = Date.UTC(2026, 0, 1)
  const events = []
  for (let i = 0; i < n; i++) {
    const d = Math.floor(random() * devices)
    const p = owner[d]
    const ts = new Date(t0 + i * 10).toISOString()
    const base = {
      messageId: `b-${seed}-${i}`,
      timestamp: ts,
      receivedAt: ts,
      sourceId: 'web',
      anonymousId: `anon-${d}`,
    }
    if (random() < IDENTIFY_SHARE) {
      const traits = {
        email: `Person.${p}@Example.com`,
        ...(random() < 0.3 && { phone: `+3361${String(p).padStart(7, '0')}` }),
      }
      if (hasAccount[p]) {
        loggedIn[d] = 1
        events.push({ ...base, type: 'identify', userId: `cust-${p}`, traits })
      } else {
        events.push({ ...base, type: 'identify', traits })
      }
    } else {
      events.push({
        ...base,
        type: 'track',
        event: 'Product Viewed',
        ...(loggedIn[d] && { userId: `cust-${p}` }),
        properties: { product_id: `sku-${i % 97}`, price: 12.5, currency: 'EUR' },
        context: { page: { path: '/p/blue-mug' }, library: { name: 'analytics.js', version: '2.1.0' } },
      })
    }
  }
  return events
}

function byPartition(events) {
  const parts = Array.from({ length: PARTITIONS }, () => [])
  for (const e of events) parts[partitionForKey(e.anonymousId ?? e.userId, PARTITIONS)].push(e)
  return parts
}

const rate = (n, ms) => Math.round((n / ms) * 1000)
const fmt = (n) => n.toLocaleString('en-US')

console.log(`machine: ${machine()}`)
console.log(`date: ${new Date().toISOString().slice(0, 10)}`)
console.log(`workload: ${fmt(EVENTS)} events, ${IDENTIFY_SHARE * 100}% identify, ${PARTITIONS} partitions\n`)

const rules = createIdentityRules()
const events = workload(EVENTS, 1)
const identifies = events.filter((e) => e.type === 'identify').length

// 1. stitch only.
{
  const view = createIdentityGraph(rules)
  const stitcher = createStitcher(rules, view)
  const edges = []
  const started = performance.now()
  byPartition(events).forEach((part, p) => {
    for (let i = 0; i < part.length; i += 500) {
      const scope = stitcher.begin('events.raw', p)
      part.slice(i, i + 500).forEach((e, k) => {
        const s = scope.stitch(e, i + k)
        if (s.edge) edges.push(encodeEdge(s.edge))
      })
      scope.commit()
    }
  })
  const stitchMs = performance.now() - started
  console.log(
    `stitch (instance):   ${fmt(rate(events.length, stitchMs))} events/s   (${fmt(edges.length)} edges for ${fmt(identifies)} identify events)`,
  )

  // 2. resolver.
  const resolver = createIdentityGraph(rules)
  const t = performance.now()
  let decisions = 0
  let merges = 0
  let records = 0
  for (let i = 0; i < edges.length; i += 5000) {
    edges.slice(i, i + 5000).forEach((buf, k) => {
      const m = decodeEdge(buf)
      if (m?.kind === 'edge') resolver.applyEdge(m.edge, (i + k) * VERSION_STRIDE)
    })
    const delta = resolver.drain()
    records += encodeDelta(delta).length
    decisions += delta.audit.length
    merges += delta.audit.filter((a) => a.decision !== 'refuse').length
  }
  const resolverMs = performance.now() - t
  console.log(
    `resolver:            ${fmt(rate(edges.length, resolverMs))} edges/s, ${fmt(rate(merges, resolverMs))} merges+attaches/s` +
      `   (${fmt(merges)} of ${fmt(decisions)} decisions; ${fmt(records)} changelog records; ${JSON.stringify(resolver.stats())})`,
  )
}

// 3. in memory, together.
{
  const t = performance.now()
  const r = simulate(events, { rules, partitions: PARTITIONS, partitionOf: partitionForKey, batchSize: 500 })
  const ms = performance.now() - t
  const merges = r.audit.filter((a) => a.decision !== 'refuse').length
  console.log(
    `in memory (1 inst.): ${fmt(rate(events.length, ms))} events/s   (${fmt(r.edges)} edges, ${fmt(merges)} merges+attaches, ${(
      (merges / events.length) *
      1000
    ).toFixed(1)} per 1,000 events)`,
  )
}

// 4. end to end, embedded (local log + chDB).
const dir = mkdtempSync(join(tmpdir(), 'sillage-bench-identity-'))
try {
  const e2e = workload(E2E_EVENTS, 2)
  const bus = createLocalBus({ dir: join(dir, 'bus') })
  await bus.ensureTopics(defaultTopicSpecs(4))
  for (let i = 0; i < e2e.length; i += 5000) {
    await bus.produce(
      TOPICS.raw,
      e2e.slice(i, i + 5000).map((e) => ({ key: e.anonymousId, value: Buffer.from(JSON.stringify(e)) })),
    )
  }
  const warehouse = createWarehouse({ database: 'bench', dataDir: dir })
  await migrate(warehouse)
  const registry = createMetricsRegistry({ defaultMetrics: false })
  const identity = createIdentityService({ bus, warehouse, log: createLogger({ level: 'silent' }), registry })
  const t = performance.now()
  await identity.start()
  for (;;) {
    const rs = await warehouse.client.query({
      query: 'SELECT count() AS n FROM bench.events',
      format: 'JSONEachRow',
    })
    const [{ n }] = await rs.json()
    if (Number(n) >= e2e.length) break
    await new Promise((r) => setTimeout(r, 100))
  }
  await identity.sync()
  const ms = performance.now() - t
  const rs = await warehouse.client.query({
    query: "SELECT countIf(decision != 'refuse') AS merges, count() AS decisions FROM bench.identity_merges",
    format: 'JSONEachRow',
  })
  const [{ merges }] = await rs.json()
  const batches = async (name) =>
    (await registry.getSingleMetric(name).get()).values.find((v) => v.metricName === `${name}_count`)
      ?.value ?? 0
  const eventBatches = await batches('sillage_identity_batch_seconds')
  const resolverBatches = await batches('sillage_identity_resolver_batch_seconds')
  console.log(
    `end to end embedded: ${fmt(rate(e2e.length, ms))} events/s   (${fmt(e2e.length)} events from the local log into chDB in ${eventBatches} batches, ` +
      `${fmt(Number(merges))} merges+attaches stored by ${resolverBatches} resolver batches, all decided)`,
  )
  await identity.stop()
  await bus.close()
  await warehouse.close()
} finally {
  rmSync(dir, { recursive: true, force: true })
}
