// Kafka mode: the standalone collector (HTTP -> validate -> enrich -> Kafka, acks=-1) loaded with
// 50-event batches, next to raw kafkajs producing the same messages (the collector's own output,
// read back from its topic) in batches of 50 to the same broker, in the same run. The budget
// (ARCHITECTURE.md): the collector within 2x of raw kafkajs.
//
//   pnpm bench:kafka                (after pnpm build; KAFKA_BROKERS, or the local broker is used/started)
//   SECONDS=20 CONNECTIONS=32 ROUNDS=3 pnpm bench:kafka
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { Kafka, Partitioners, logLevel } from 'kafkajs'
import { leaseKafka } from '../scripts/kafka-broker.mjs'
import { freePort, load, machine, startProcess } from './lib.mjs'

const SECONDS = Number(process.env.SECONDS ?? 10)
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16)
const WRITE_KEY = 'wk_bench_0123456789'
const BATCH = 50
const PARTITIONS = 4
const SAMPLE = 5_000
const ROUNDS = Number(process.env.ROUNDS ?? 2)
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100

let lease
let brokers = process.env.KAFKA_BROKERS
if (!brokers) {
  lease = await leaseKafka({ fresh: false, log: () => {} })
  brokers = lease.brokers
}
const ns = `bench-${Date.now()}.`
const kafka = new Kafka({ clientId: 'bench-kafka', brokers: brokers.split(','), logLevel: logLevel.NOTHING })
const admin = kafka.admin()
await admin.connect()

console.log(`machine: ${machine()}; ${new Date().toISOString().slice(0, 10)}`)
console.log(`broker: ${brokers} (single node, KRaft); topics prefixed ${ns}`)
console.log(
  `load: ${CONNECTIONS} concurrent senders, ${SECONDS} s per round, ${ROUNDS} rounds each, ${BATCH}-event batches, acks=-1, idempotent producer\n`,
)

try {
  // The collector, as deployed: its own process, SILLAGE_BUS=kafka.
  const port = await freePort()
  const collector = await startProcess(['services/collector/dist/main.js'], {
    env: {
      KAFKA_BROKERS: brokers,
      SILLAGE_TOPIC_PREFIX: ns,
      SILLAGE_RAW_PARTITIONS: String(PARTITIONS),
      SILLAGE_PORT: String(port),
      SILLAGE_LOG_LEVEL: 'warn',
      SILLAGE_SOURCES: JSON.stringify([{ id: 'bench', writeKey: WRITE_KEY, type: 'server' }]),
    },
    readyUrl: `http://127.0.0.1:${port}/readyz`,
  })
  const url = `http://127.0.0.1:${port}/v1/batch`
  const headers = { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` }
  const collectorRound = async () => {
    const cpu0 = processCpuMs(collector.proc.pid)
    const r = await load(url, { seconds: SECONDS, connections: CONNECTIONS, headers })
    const events = r.ok * BATCH
    return {
      ...r,
      rate: events / SECONDS,
      cpuUsPerEvent: ((processCpuMs(collector.proc.pid) - cpu0) * 1000) / events,
    }
  }
  await load(url, { seconds: 2, connections: CONNECTIONS, headers }) // warm-up (JIT, connections)

  // The machine is shared and noisy: the two sides alternate, ROUNDS times each, best round kept.
  const collectorRuns = [await collectorRound()]
  // What the collector wrote, read back, is the raw producer's payload.
  const sample = await readSample(`${ns}events.raw`, SAMPLE)
  const avgBytes = sample.reduce((n, m) => n + m.value.length, 0) / sample.length
  // Raw kafkajs with the bus's guarantees: idempotent, acks=-1, one request in flight per broker.
  const raw = await rawProducer(`${ns}raw.idempotent`, sample, { idempotent: true, maxInFlightRequests: 1 })
  const rawRuns = [await raw.round()]
  for (let i = 1; i < ROUNDS; i++) {
    collectorRuns.push(await collectorRound())
    rawRuns.push(await raw.round())
  }
  await raw.close()
  await collector.stop()

  const fmt = (n) => Math.round(n).toLocaleString('en-US').padStart(7)
  const line = (name, r) =>
    `${name.padEnd(40)} ${fmt(r.rate)} events/s  ${r.cpuUsPerEvent.toFixed(1).padStart(5)} µs CPU/event  p50 ${r.p50} ms  p99 ${r.p99} ms${r.non2xx === undefined ? '' : `  non-2xx ${r.non2xx}  errors ${r.errors}`}`
  collectorRuns.forEach((r, i) => console.log(line(`sillage collector, round ${i + 1}`, r)))
  rawRuns.forEach((r, i) => console.log(line(`raw kafkajs (bus settings), round ${i + 1}`, r)))
  const best = (runs) => runs.reduce((a, b) => (b.rate > a.rate ? b : a))
  const [c, k] = [best(collectorRuns), best(rawRuns)]
  console.log(`\nmessage size: ${Math.round(avgBytes)} bytes on average (the collector's enriched events)`)
  console.log(
    `best rounds: collector ${fmt(c.rate).trim()} events/s, raw kafkajs ${fmt(k.rate).trim()} events/s: ratio ${(k.rate / c.rate).toFixed(2)}x (budget <= 2x)`,
  )
  console.log(
    `CPU per event: collector ${c.cpuUsPerEvent.toFixed(1)} µs (HTTP, validation, enrichment, kafkajs), raw kafkajs ${k.cpuUsPerEvent.toFixed(1)} µs`,
  )
} finally {
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(ns))
  if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => {})
  await admin.disconnect()
  await lease?.release()
}

/** Up to `n` messages of `topic`, from the beginning. */
async function readSample(topic, n) {
  const consumer = kafka.consumer({ groupId: `${ns}sample`, maxWaitTimeInMs: 200 })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const out = []
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${out.length} messages in ${topic}`)), 30_000)
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) if (out.length < n) out.push({ key: m.key, value: m.value })
          if (out.length >= n) {
            clearTimeout(timer)
            resolve()
          }
        },
      })
      .catch(reject)
  })
  await consumer.disconnect()
  return out
}

/** CPU time (user + system) of a process so far, in ms, from /proc. */
function processCpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK
}

/** CONNECTIONS senders in this process, each sending batches of BATCH messages back to back. */
async function rawProducer(topic, sample, producerOptions) {
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true })
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    ...producerOptions,
  })
  await producer.connect()
  let next = 0
  const batchOf = () => {
    const messages = []
    for (let i = 0; i < BATCH; i++) messages.push(sample[next++ % sample.length])
    return messages
  }
  const run = async (seconds) => {
    const latencies = []
    let sent = 0
    const cpu0 = process.cpuUsage()
    const until = Date.now() + seconds * 1000
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (Date.now() < until) {
          const t0 = performance.now()
          await producer.send({ topic, acks: -1, messages: batchOf() })
          latencies.push(performance.now() - t0)
          sent += BATCH
        }
      }),
    )
    const cpu = process.cpuUsage(cpu0)
    latencies.sort((a, b) => a - b)
    const q = (p) => Math.round(latencies[Math.floor(p * (latencies.length - 1))] ?? 0)
    return { rate: sent / seconds, p50: q(0.5), p99: q(0.99), cpuUsPerEvent: (cpu.user + cpu.system) / sent }
  }
  await run(2) // warm-up, like the collector's
  return { round: () => run(SECONDS), close: () => producer.disconnect() }
}
