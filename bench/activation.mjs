// Activation: audience evaluation in chDB, webhook delivery throughput, trigger latency.
//
//   pnpm bench:activation                 (after pnpm build)
//   PERSONS=1000000 TRIGGERS=300 pnpm bench:activation
//
// 1. audience: PERSONS people, each with 1–4 orders over two years and a consent event (80% grant
//    marketing), inserted straight into chDB (INSERT … SELECT FROM numbers()); then the dormant
//    rule (`rfm_segment in (at_risk, hibernating, dormant) and last_order_days >= 60`) compiled and
//    run (preview), and a full first sync (members, diff, history rows; events go to a no-op sink);
// 2. webhook: the delivery worker sends the audience's entries (batches of 500, signed) to a receiver
//    on 127.0.0.1 in this process, which verifies nothing and answers 200: items per second;
// 3. trigger latency: Cart Abandoned events (value > 100, marketing consent in context) produced to
//    the local bus one by one; the trigger consumer fires and delivers to the receiver; time from the
//    produce's acknowledgement (what the collector waits for before answering 2xx) to the receipt.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createLocalBus, defaultTopicSpecs, TOPICS } from '../packages/bus/dist/index.js'
import { createLogger, createMetricsRegistry } from '../packages/runtime/dist/index.js'
import { createWarehouse, migrate } from '../packages/warehouse/dist/index.js'
import {
  createAudienceSync,
  createDeliveryWorker,
  createTriggerConsumer,
  parseActivationFile,
} from '../services/activation/dist/index.js'
import { machine } from './lib.mjs'

const PERSONS = Number(process.env.PERSONS ?? 1_000_000)
const TRIGGERS = Number(process.env.TRIGGERS ?? 200)
const log = createLogger({ level: 'silent' })
const registry = () => createMetricsRegistry({ defaultMetrics: false })
const dir = mkdtempSync(join(tmpdir(), 'sillage-bench-activation-'))
const phase = (msg) => process.stderr.write(`[${new Date().toISOString()}] ${msg}\n`)
const pct = (xs, p) =>
  xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]

const waiters = new Map()
const server = createServer((req, res) => {
  let body = ''
  req.on('data', (c) => (body += c))
  req.on('end', () => {
    const items = JSON.parse(body).items ?? []
    for (const i of items) {
      const key = i.properties?.event_message_id
      if (key && waiters.has(key)) waiters.get(key)(performance.now())
    }
    res.writeHead(200).end()
  })
})
await new Promise((r) => server.listen(0, '127.0.0.1', r))
const url = `http://127.0.0.1:${server.address().port}/hook`

const warehouse = createWarehouse({ database: 'sillage', dataDir: join(dir, 'ch') })
const bus = createLocalBus({ dir: join(dir, 'bus') })
try {
  await migrate(warehouse)
  await bus.ensureTopics(defaultTopicSpecs(1))
  const defs = parseActivationFile(
    JSON.stringify({
      destinations: [{ id: 'hook', type: 'webhook', url, batchSize: 500 }],
      audiences: [
        {
          id: 'dormant',
          rule: 'rfm_segment in (at_risk, hibernating, dormant) and last_order_days >= 60',
          destinations: ['hook'],
        },
      ],
      triggers: [
        {
          id: 'big-cart',
          event: 'Cart Abandoned',
          where: 'value > 100',
          cooldownHours: 0,
          destinations: ['hook'],
        },
      ],
    }),
  )

  // 1. data
  let t = performance.now()
  const db = 'sillage'
  await warehouse.client.command({
    query: `INSERT INTO ${db}.events (message_id, type, event, timestamp, received_at, user_id, person_id, source_id, revenue, currency, order_id, consent, properties, traits, context)
      SELECT concat('o-', toString(number), '-', toString(k)), 'track', 'Order Completed',
        now64(3) - toIntervalSecond(cityHash64(number, k) % (730 * 86400)), now64(3),
        concat('u', toString(number)), concat('p', toString(number)), 'backend',
        round(10 + cityHash64(number, k, 1) % 300, 2), 'EUR', concat('o-', toString(number), '-', toString(k)),
        '', '{}', '{}', '{}'
      FROM numbers({n:UInt64}) ARRAY JOIN range(1 + cityHash64(number) % 4) AS k`,
    query_params: { n: PERSONS },
  })
  await warehouse.client.command({
    query: `INSERT INTO ${db}.events (message_id, type, event, timestamp, received_at, user_id, person_id, source_id, consent, properties, traits, context)
      SELECT concat('c-', toString(number)), 'track', 'Consent Updated', now64(3) - INTERVAL 800 DAY, now64(3),
        concat('u', toString(number)), concat('p', toString(number)), 'web', '',
        if(number % 5 = 0, '{"categories":["necessary"]}', '{"categories":["necessary","marketing"]}'), '{}', '{}'
      FROM numbers({n:UInt64})`,
    query_params: { n: PERSONS },
  })
  const loadS = (performance.now() - t) / 1000
  phase(`loaded ${PERSONS} persons in ${loadS.toFixed(1)} s`)

  const sync = createAudienceSync({ warehouse, log, registry: registry(), emit: async () => {} })
  t = performance.now()
  const members = await sync.preview(defs.audiences[0])
  const previewS = (performance.now() - t) / 1000
  phase(`preview: ${members.length} members in ${previewS.toFixed(2)} s`)
  t = performance.now()
  const first = await sync.syncOne(defs.audiences[0])
  const syncS = (performance.now() - t) / 1000
  phase(`first sync in ${syncS.toFixed(2)} s`)
  t = performance.now()
  const second = await sync.syncOne(defs.audiences[0])
  const resyncS = (performance.now() - t) / 1000

  // 2. webhook throughput
  const worker = createDeliveryWorker({
    warehouse,
    bus,
    log,
    registry: registry(),
    secretOf: () => 'bench',
    dataDir: dir,
  })
  t = performance.now()
  const [delivered] = await worker.deliverAll(defs)
  const deliverS = (performance.now() - t) / 1000
  phase(`delivered ${delivered.delivered} in ${deliverS.toFixed(2)} s`)

  // 3. trigger latency
  const consumer = createTriggerConsumer({
    bus,
    warehouse,
    log,
    registry: registry(),
    triggers: defs.triggers,
    onFired: () => void worker.deliverAll(defs, { only: 'triggers' }),
  })
  await consumer.start()
  const latencies = []
  for (let i = 0; i < TRIGGERS; i++) {
    const id = `bench-cart-${i}`
    const event = {
      type: 'track',
      event: 'Cart Abandoned',
      messageId: id,
      userId: `trigger-user-${i}`,
      timestamp: new Date().toISOString(),
      receivedAt: new Date().toISOString(),
      sourceId: 'sillage',
      properties: { value: 150, currency: 'EUR' },
      context: { consent: { categories: ['necessary', 'marketing'] } },
    }
    const got = new Promise((resolve) => waiters.set(id, resolve))
    await bus.produce(TOPICS.raw, [{ key: event.userId, value: Buffer.from(JSON.stringify(event)) }])
    const acked = performance.now()
    latencies.push((await got) - acked)
    waiters.delete(id)
  }
  await consumer.stop()

  const result = {
    bench: 'activation',
    machine: machine(),
    persons: PERSONS,
    load_s: +loadS.toFixed(1),
    audience: {
      members: members.length,
      preview_s: +previewS.toFixed(2),
      first_sync_s: +syncS.toFixed(2),
      first_sync_entered: first.entered,
      resync_s: +resyncS.toFixed(2),
      resync_changes: second.entered + second.exited,
    },
    webhook: {
      items: delivered.delivered,
      seconds: +deliverS.toFixed(2),
      items_per_s: Math.round(delivered.delivered / deliverS),
      batch: 500,
    },
    trigger_latency_ms: {
      n: latencies.length,
      p50: +pct(latencies, 50).toFixed(1),
      p99: +pct(latencies, 99).toFixed(1),
      max: +Math.max(...latencies).toFixed(1),
    },
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
} finally {
  await bus.close()
  await warehouse.close()
  server.close()
  rmSync(dir, { recursive: true, force: true })
}
