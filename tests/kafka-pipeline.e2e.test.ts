import { rmSync } from 'node:fs'
import type { Admin } from 'kafkajs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { kafkaLayout, startKafka, stopKafka } from '../scripts/kafka-broker.mjs'
import {
  kafkaAdmin,
  kafkaBrokers,
  newNamespace,
  rowsPerMessageId,
  startCollector,
  startIdentity,
  waitForCaughtUp,
  type ServiceProcess,
} from './helpers/kafka-pipeline.js'
import { partitionForKey } from '@sillage/bus'
import { freePort, postBatch, tempDir, trackEvents, waitFor } from './helpers/pipeline.js'

/**
 * Pipeline mode: the collector and identity as separate processes, Kafka between them, chDB
 * behind identity. Each test has its own namespace (SILLAGE_TOPIC_PREFIX: its own topics and
 * consumer group on the shared broker) and its own chDB data dirs. Counts are read from chDB with
 * `sillage query` once the identity processes have stopped (chDB: one process per data dir), after
 * polling Kafka until the group has committed every record (identity commits only after ClickHouse
 * acknowledged the inserts).
 */

/** Above the sum of each test's own bounded waits, so that a failure names what it waited for. */
const TEST_TIMEOUT_MS = 300_000

const cleanups: Array<() => Promise<unknown> | unknown> = []
const later = (fn: () => Promise<unknown> | unknown) => cleanups.push(fn)
const track = <T extends ServiceProcess>(service: T): T => {
  later(() => service.kill())
  return service
}
const dir = (prefix: string) => {
  const d = tempDir(prefix)
  later(() => d.remove())
  return d.path
}
afterEach(async () => {
  // Processes first (reverse order of creation), then their directories.
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** Sends `batches` with `concurrency` requests in flight; every one must be answered 200. */
async function sendAll(url: string, batches: Array<Array<Record<string, unknown>>>, concurrency = 4) {
  let next = 0
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++] as Array<Record<string, unknown>>
      const res = await postBatch(url, batch)
      if (res.status !== 200) throw new Error(`batch answered ${res.status}: ${await res.text()}`)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}

const chunk = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size))

/** Every id exactly once over the given stores: the ids missing, and those stored more than once. */
function exactlyOnce(expected: Iterable<string>, stores: Array<Map<string, number>>) {
  const total = new Map<string, number>()
  for (const store of stores) for (const [id, n] of store) total.set(id, (total.get(id) ?? 0) + n)
  const missing: string[] = []
  for (const id of expected) if (!total.has(id)) missing.push(id)
  const duplicated = [...total].filter(([, n]) => n !== 1)
  return { missing, duplicated, distinct: total.size }
}

describe('pipeline mode over Kafka (collector and identity processes)', () => {
  let brokers: string
  let admin: Admin
  beforeAll(async () => {
    brokers = kafkaBrokers()
    admin = await kafkaAdmin(brokers)
  })
  afterAll(async () => {
    await admin?.disconnect()
  })

  it(
    'HTTP -> collector -> Kafka -> identity -> chDB: exactly the events sent, once each',
    async () => {
      const ns = newNamespace('e2e')
      const data = dir('sillage-kp-e2e-')
      const identity = track(await startIdentity({ brokers, namespace: ns, dataDir: data }))
      const collector = track(await startCollector({ brokers, namespace: ns }))

      const events = trackEvents(3_000, `${ns}m`)
      await sendAll(collector.url, chunk(events, 100))
      // The collector answered 200 for all: Kafka holds them; identity catches up.
      await waitForCaughtUp(admin, ns, events.length)
      await waitFor(async () => (await identity.inserted()) === events.length, {
        what: 'identity to report every event inserted',
      })
      expect(await identity.stop()).toBe(0)
      expect(await collector.stop()).toBe(0)

      const stored = await rowsPerMessageId(data, `${ns}m`)
      const check = exactlyOnce(
        events.map((e) => String(e.messageId)),
        [stored],
      )
      expect(check).toEqual({ missing: [], duplicated: [], distinct: events.length })
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'kill -9 of identity in the middle of its batches, then a restart: no loss, no duplicates',
    async () => {
      const ns = newNamespace('k9')
      const data = dir('sillage-kp-k9-')
      const collector = track(await startCollector({ brokers, namespace: ns }))
      // A backlog first, so that the identity process is busy with it when it is killed.
      const events = trackEvents(20_000, `${ns}m`, 500)
      await sendAll(collector.url, chunk(events, 500))

      const env = { SILLAGE_IDENTITY_MAX_BATCH: '250' }
      const first = track(await startIdentity({ brokers, namespace: ns, dataDir: data, env }))
      const insertedAtKill = await waitFor(
        async () => {
          const n = await first.inserted()
          return n >= 1_000 ? n : undefined
        },
        { timeoutMs: 60_000, intervalMs: 20, what: 'identity to have inserted some of the backlog' },
      )
      await first.kill()
      expect(insertedAtKill).toBeLessThan(events.length) // killed mid-stream, batches still to come

      const second = track(await startIdentity({ brokers, namespace: ns, dataDir: data, env }))
      await waitForCaughtUp(admin, ns, events.length)
      expect(await second.stop()).toBe(0)
      expect(await collector.stop()).toBe(0)

      const check = exactlyOnce(
        events.map((e) => String(e.messageId)),
        [await rowsPerMessageId(data, `${ns}m`)],
      )
      expect(check).toEqual({ missing: [], duplicated: [], distinct: events.length })
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'two identity instances in one group share the partitions, and one takes over when the other stops: each event once',
    async () => {
      const ns = newNamespace('two')
      // Two processes cannot share a chDB dir: each instance stores what it consumed in its own, and
      // the union of the two must hold every event exactly once (so no event went to both).
      const dataA = dir('sillage-kp-a-')
      const dataB = dir('sillage-kp-b-')
      const a = track(await startIdentity({ brokers, namespace: ns, dataDir: dataA }))
      const b = track(await startIdentity({ brokers, namespace: ns, dataDir: dataB }))
      await waitFor(
        async () => {
          const { groups } = await admin.describeGroups([`${ns}identity`])
          const group = groups[0]
          return group?.state === 'Stable' && group.members.length === 2
        },
        { timeoutMs: 60_000, what: 'a stable group of two members' },
      )
      const collector = track(await startCollector({ brokers, namespace: ns }))

      // Phase 1: both instances consume.
      const phase1 = trackEvents(4_000, `${ns}p1-`, 200)
      await sendAll(collector.url, chunk(phase1, 100))
      await waitForCaughtUp(admin, ns, phase1.length)
      const [byA, byB] = [await a.inserted(), await b.inserted()]
      expect(byA).toBeGreaterThan(0)
      expect(byB).toBeGreaterThan(0)
      expect(byA + byB).toBe(phase1.length)

      // Phase 2: events keep coming while B stops (gracefully); the group rebalances onto A.
      const phase2: Array<Record<string, unknown>> = []
      let stopSending = false
      const sender = (async () => {
        for (let b = 0; !stopSending && b < 1_000; b++) {
          const batch = trackEvents(100, `${ns}p2-${b}-`, 200)
          const res = await postBatch(collector.url, batch)
          if (res.status !== 200) throw new Error(`batch answered ${res.status}: ${await res.text()}`)
          phase2.push(...batch)
        }
      })()
      await waitFor(async () => (await a.inserted()) > byA && (await b.inserted()) > byB, {
        what: 'both instances to consume phase 2 events',
      })
      expect(await b.stop()).toBe(0)
      const sentAtStop = phase2.length
      await waitFor(() => phase2.length >= sentAtStop + 2_000, { what: '20 more batches after B stopped' })
      stopSending = true
      await sender
      await waitForCaughtUp(admin, ns, phase1.length + phase2.length)
      expect(await a.stop()).toBe(0)
      expect(await collector.stop()).toBe(0)

      const storedA = await rowsPerMessageId(dataA, ns)
      const storedB = await rowsPerMessageId(dataB, ns)
      const all = [...phase1, ...phase2].map((e) => String(e.messageId))
      expect(exactlyOnce(all, [storedA, storedB])).toEqual({
        missing: [],
        duplicated: [],
        distinct: all.length,
      })
      // Before the stop the two held disjoint partitions; A also holding one of B's shows the takeover.
      const partitionsOf = (stored: Map<string, number>) =>
        new Set(
          [...phase1, ...phase2]
            .filter((e) => stored.has(String(e.messageId)))
            .map((e) => partitionForKey(String(e.anonymousId), 4)),
        )
      const [ofA, ofB] = [partitionsOf(storedA), partitionsOf(storedB)]
      expect(ofB.size).toBeGreaterThan(0)
      expect([...ofB].filter((p) => ofA.has(p)).length).toBeGreaterThan(0)
    },
    TEST_TIMEOUT_MS,
  )
})

describe('pipeline mode across a broker restart (dedicated broker)', () => {
  let env: NodeJS.ProcessEnv
  let brokers: string
  const quiet = () => {}
  beforeAll(async () => {
    // A broker of our own on free ports and a fresh data dir, so that stopping it leaves the shared one alone.
    env = {
      ...process.env,
      KAFKA_PORT: String(await freePort()),
      KAFKA_CONTROLLER_PORT: String(await freePort()),
      KAFKA_DATA_DIR: tempDir('sillage-kafka-restart-').path,
    }
    ;({ brokers } = await startKafka({ fresh: true, env, log: quiet }))
  })
  afterAll(async () => {
    if (!env) return
    await stopKafka({ env, log: quiet })
    rmSync(env.KAFKA_DATA_DIR as string, { recursive: true, force: true })
    rmSync(kafkaLayout(env).runDir, { recursive: true, force: true })
  })

  it(
    'every 200 lands once; while the broker is down the collector answers 503 with Retry-After, and retried events land',
    async () => {
      const ns = newNamespace('restart')
      const data = dir('sillage-kp-restart-')
      // A short produce deadline keeps the test short; the behaviour is the same with the default.
      const collector = track(
        await startCollector({ brokers, namespace: ns, env: { SILLAGE_PRODUCE_TIMEOUT_MS: '3000' } }),
      )
      const identity = track(await startIdentity({ brokers, namespace: ns, dataDir: data }))

      interface Answer {
        status: number
        code?: string
        retryAfter: string | null
        sentAt: number
        at: number
      }
      const answers: Answer[] = []
      const acked: string[] = []
      const sent: string[] = []
      let stop = false
      const RETRY_DEADLINE_MS = 150_000
      // SDK-like clients: each batch is retried (same messageIds) until it gets a 200.
      const client = async (worker: number) => {
        for (let b = 0; !stop && b < 2_000; b++) {
          const events = trackEvents(50, `${ns}w${worker}-${b}-`)
          sent.push(...events.map((e) => String(e.messageId)))
          const deadline = Date.now() + RETRY_DEADLINE_MS
          for (;;) {
            const sentAt = Date.now()
            let res: Response | undefined
            try {
              res = await postBatch(collector.url, events)
            } catch {
              // connection error: retried like a 503
            }
            if (res) {
              const body = (await res.json()) as { code?: string }
              answers.push({
                status: res.status,
                code: body.code,
                retryAfter: res.headers.get('retry-after'),
                sentAt,
                at: Date.now(),
              })
              if (res.status === 200) {
                acked.push(...events.map((e) => String(e.messageId)))
                break
              }
              if (res.status !== 503) throw new Error(`unexpected ${res.status} ${JSON.stringify(body)}`)
            }
            if (Date.now() > deadline) throw new Error(`batch ${worker}-${b} never accepted`)
            await new Promise((r) => setTimeout(r, 250))
          }
        }
      }
      const clients = [0, 1, 2, 3].map(client)
      const ok = () => answers.filter((a) => a.status === 200).length

      await waitFor(() => ok() >= 20, { timeoutMs: 30_000, what: '20 batches accepted before the stop' })
      await stopKafka({ env, log: quiet })
      const downAt = Date.now()
      await waitFor(
        () => {
          const after = answers.filter((a) => a.sentAt >= downAt)
          return after.filter((a) => a.status === 503).length >= 4 || after.some((a) => a.status === 200)
        },
        { timeoutMs: 30_000, what: '503s while the broker is down' },
      )
      // Nothing can be acknowledged by a stopped broker: a 200 now would be a lie.
      expect(answers.filter((a) => a.sentAt >= downAt && a.status === 200)).toEqual([])
      const upAt = Date.now()
      await startKafka({ env, log: quiet })
      const okBeforeRestart = ok()
      // Generous: on a loaded 2-core machine the broker's restart and the producer's reconnection
      // take a while; the loop is still bounded.
      await waitFor(() => ok() >= okBeforeRestart + 20, {
        timeoutMs: 120_000,
        what: '20 more batches accepted after the restart',
      })
      stop = true
      await Promise.all(clients)

      // While the broker was down: only 503s, each with Retry-After, none a 200.
      const whileDown = answers.filter((a) => a.sentAt >= downAt && a.at <= upAt)
      expect(whileDown.length).toBeGreaterThan(0)
      expect(whileDown.filter((a) => a.status !== 503)).toEqual([])
      expect(whileDown.filter((a) => !a.retryAfter || !/^\d+$/.test(a.retryAfter))).toEqual([])
      expect(new Set(whileDown.map((a) => a.code))).toEqual(new Set(['SIL_BUS_UNAVAILABLE']))
      // Every batch was eventually accepted (the clients retried until they were).
      expect(acked.length).toBe(sent.length)

      const admin = await kafkaAdmin(brokers)
      later(() => admin.disconnect())
      await waitForCaughtUp(admin, ns, acked.length)
      expect(await identity.stop()).toBe(0)
      expect(await collector.stop()).toBe(0)
      const check = exactlyOnce(acked, [await rowsPerMessageId(data, ns)])
      expect(check).toEqual({ missing: [], duplicated: [], distinct: sent.length })
    },
    TEST_TIMEOUT_MS,
  )
})
