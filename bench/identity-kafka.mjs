// Identity on Kafka, live: events produced to events.raw (4 partitions) at a steady rate while one
// identity instance consumes them into chDB, with the batches of one fetch's partitions handed
// over together (the default, RAW_CONCURRENT_PARTITIONS) and, as the baseline in the same run,
// one partition's batch at a time (`concurrentPartitions: 1`, as before). The two alternate,
// ROUNDS times each, each round on its own topics, consumer group and database. Reported per
// round: events stored per second, the process's CPU per event (producer, identity and chDB
// together: the producer's share is the same on both sides), the inserts into events and the
// batches they carried, and how long the last event took to be stored once production ended.
//
//   node bench/identity-kafka.mjs        (after pnpm build; KAFKA_BROKERS, or the local broker)
//   RATE=4000 SECONDS=20 ROUNDS=3 node bench/identity-kafka.mjs
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createKafkaBus, createNamespacedBus, defaultTopicSpecs, TOPICS } from '../packages/bus/dist/index.js'
import { createLogger, createMetricsRegistry } from '../packages/runtime/dist/index.js'
import { createWarehouse, migrate } from '../packages/warehouse/dist/index.js'
import { createIdentityService } from '../services/identity/dist/index.js'
import { leaseKafka } from '../scripts/kafka-broker.mjs'
import { machine } from './lib.mjs'

const RATE = Number(process.env.RATE ?? 3000)
const SECONDS = Number(process.env.SECONDS ?? 15)
const ROUNDS = Number(process.env.ROUNDS ?? 2)
const PARTITIONS = 4
const TICK_MS = 100

let lease
let brokers = process.env.KAFKA_BROKERS
if (!brokers) {
  lease = await leaseKafka({ fresh: false, log: () => {} })
  brokers = lease.brokers
}
console.log(`machine: ${machine()}; ${new Date().toISOString().slice(0, 10)}`)
console.log(
  `broker: ${brokers}; ${RATE} events/s for ${SECONDS} s into ${PARTITIONS} partitions, ${ROUNDS} rounds each\n`,
)

/** A shop-like track event of one of 5,000 browsers. */
const event = (i) => {
  const now = new Date().toISOString()
  return {
    type: 'track',
    event: 'Product Viewed',
    messageId: randomUUID(),
    anonymousId: `anon-${i % 5000}`,
    timestamp: now,
    receivedAt: now,
    sourceId: 'web',
    properties: { product_id: `sku-${i % 97}`, price: 12.5, currency: 'EUR' },
    context: { page: { path: '/p/blue-mug' }, library: { name: 'analytics.js', version: '2.1.0' } },
  }
}

async function round(label, concurrentPartitions) {
  const dir = mkdtempSync(join(tmpdir(), 'sillage-bench-identity-kafka-'))
  const ns = `bench-ik-${randomUUID().slice(0, 8)}.`
  const bus = createNamespacedBus(
    createKafkaBus({ brokers: brokers.split(','), clientId: 'bench-identity-kafka' }),
    ns,
  )
  const warehouse = createWarehouse({ database: 'bench', dataDir: dir })
  try {
    await migrate(warehouse)
    await bus.ensureTopics(defaultTopicSpecs(PARTITIONS))
    const registry = createMetricsRegistry({ defaultMetrics: false })
    const log = createLogger({ level: 'silent' })
    const identity = createIdentityService({ bus, warehouse, log, registry, concurrentPartitions })
    await identity.start()
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    let produced = 0
    for (let tick = 0; tick < (SECONDS * 1000) / TICK_MS; tick++) {
      const due = t0 + tick * TICK_MS
      if (performance.now() < due) await new Promise((r) => setTimeout(r, due - performance.now()))
      const n = Math.round((RATE * TICK_MS) / 1000)
      const batch = Array.from({ length: n }, (_, k) => event(produced + k))
      produced += n
      await bus.produce(
        TOPICS.raw,
        batch.map((e) => ({ key: e.anonymousId, value: Buffer.from(JSON.stringify(e)) })),
      )
    }
    const ended = performance.now()
    for (let stored = 0; stored < produced;) {
      const rs = await warehouse.client.query({
        query: 'SELECT count() AS n FROM bench.events',
        format: 'JSONEachRow',
      })
      stored = Number((await rs.json())[0].n)
      if (stored < produced) await new Promise((r) => setTimeout(r, 50))
    }
    const lagMs = performance.now() - ended
    const cpu = process.cpuUsage(cpu0)
    const text = await registry.metrics()
    const value = (name) => Number(new RegExp(`^${name}\\{call="insert"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0)
    const inserts = value('sillage_identity_grouped_batches_count')
    const batches = value('sillage_identity_grouped_batches_sum')
    const cpuUs = ((cpu.user + cpu.system) / produced).toFixed(1)
    const rate = Math.round(produced / ((performance.now() - t0) / 1000))
    console.log(
      `${label.padEnd(34)} ${String(rate).padStart(6)} events/s stored  ${cpuUs.padStart(6)} µs CPU/event  ` +
        `inserts ${String(inserts).padStart(4)} for ${String(batches).padStart(4)} batches  last stored ${Math.round(lagMs)} ms after the end`,
    )
    await identity.stop()
  } finally {
    await bus.close()
    await warehouse.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

try {
  for (let r = 1; r <= ROUNDS; r++) {
    await round(`one partition at a time, round ${r}`, 1)
    await round(`partitions together, round ${r}`, undefined)
  }
} finally {
  await lease?.release?.()
}
