import { Kafka, Partitioners, type Admin, type Message, type Producer } from 'kafkajs'
import {
  BusError,
  type Bus,
  type BusHealth,
  type PartitionOffsets,
  type ProduceMessage,
  type Subscription,
} from '../bus.js'
import { toBusError } from './kafka-errors.js'
import { KAFKAJS_LOG_LEVEL, kafkaLogCreator, silentLogger, type KafkaBusLogger } from './kafka-log.js'
import { createSendQueue } from './kafka-send-queue.js'
import { runSubscription } from './kafka-subscription.js'
import { createMissingTopics } from './kafka-topics.js'

export interface KafkaBusOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: readonly string[]
  clientId: string
  log?: KafkaBusLogger
  /** A produce that has no ack by then rejects with SIL_BUS_UNAVAILABLE. Default 10 s. */
  produceTimeoutMs?: number
  /**
   * A consumer that sends no heartbeat for this long (a crashed or killed process) is removed from
   * its group and its partitions go to the others. Default 30 s; the broker's minimum is 6 s.
   */
  sessionTimeoutMs?: number
}

const CONNECTION_TIMEOUT_MS = 3_000
const REQUEST_TIMEOUT_MS = 10_000
/** Broker-side wait for the in-sync replicas' acks. */
const ACK_TIMEOUT_MS = 10_000
/** Admin and consumer retries; consumers also restart after a retriable crash. */
const CLIENT_RETRY = { initialRetryTime: 100, maxRetryTime: 5_000, retries: 5 }
/** Bounded, so that a produce fails in bounded time when the broker is gone (see kafka-log.ts). */
const PRODUCER_RETRY = { initialRetryTime: 100, maxRetryTime: 2_000, retries: 5 }
/**
 * Concurrent produces to a topic share one request (kafka-send-queue.ts) up to these bounds. 1 MiB
 * of values keeps every partition's record batch under the broker's default message.max.bytes;
 * kafkajs groups messages per partition in quadratic time, so requests stay at 1,000 messages.
 */
const COALESCE_MAX_BYTES = 1024 * 1024
const COALESCE_MAX_MESSAGES = 1_000
/** Long-poll wait of a fetch; also bounds how long Subscription.stop() waits for an idle fetch. */
const FETCH_MAX_WAIT_MS = 1_000
/** While not ready, how often health is re-checked without traffic (first, then capped). */
const PROBE_MS = { first: 1_000, max: 10_000 }

/**
 * The production bus: kafkajs with an idempotent producer (acks=-1, one request in flight per
 * broker as kafkajs requires for idempotence), admin-created topics, one consumer per subscription.
 * The producer connects in the background at creation; health() is not ready until it has.
 */
export function createKafkaBus(options: KafkaBusOptions): Bus {
  if (options.brokers.length === 0) throw new RangeError('createKafkaBus: brokers must not be empty')
  if (!options.clientId) throw new RangeError('createKafkaBus: clientId must not be empty')
  const log = options.log ?? silentLogger
  const produceTimeoutMs = options.produceTimeoutMs ?? 10_000
  const sessionTimeout = options.sessionTimeoutMs ?? 30_000
  // Kafka's advice: at most a third of the session timeout.
  const heartbeatInterval = Math.min(3_000, Math.floor(sessionTimeout / 3))

  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    retry: CLIENT_RETRY,
    logLevel: KAFKAJS_LOG_LEVEL,
    logCreator: kafkaLogCreator(log),
  })

  let closed = false
  let health: BusHealth = { ready: false, reason: 'connecting to Kafka' }
  let producerConnecting: Promise<void> | undefined
  let adminConnecting: Promise<Admin> | undefined
  let probeTimer: NodeJS.Timeout | undefined
  let probeDelay = PROBE_MS.first
  const subscriptions = new Set<Subscription>()

  const markReady = (): void => {
    if (!health.ready) log.info({ brokers: options.brokers }, 'kafka bus ready')
    health = { ready: true }
    probeDelay = PROBE_MS.first
  }
  const markDown = (reason: string): void => {
    if (health.ready) log.warn({ brokers: options.brokers, reason }, 'kafka bus not ready')
    health = { ready: false, reason }
    scheduleProbe()
  }

  const createProducer = (): Producer => {
    const p = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Explicit, which also silences kafkajs's partitioner warning: murmur2, like the Java client.
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: PRODUCER_RETRY,
    })
    p.on(p.events.CONNECT, () => {
      if (p === producer) markReady()
    })
    p.on(p.events.DISCONNECT, () => {
      if (!closed && p === producer) markDown('Kafka producer disconnected')
    })
    return p
  }
  let producer = createProducer()

  /**
   * After a failed send the idempotent producer may be wedged for good (kafkajs keeps the
   * producer id and sequence numbers a restarted broker no longer accepts): start a new one.
   * Messages whose ack was lost may then be written twice; messageId deduplication covers that.
   */
  const replaceProducer = (): void => {
    if (closed) return
    const old = producer
    producer = createProducer()
    producerConnecting = undefined
    void old.disconnect().catch(() => {})
  }

  const connectProducer = (): Promise<void> =>
    (producerConnecting ??= producer.connect().catch((err: unknown) => {
      producerConnecting = undefined
      throw err
    }))

  const getAdmin = (): Promise<Admin> =>
    (adminConnecting ??= (async () => {
      const admin = kafka.admin({ retry: CLIENT_RETRY })
      await admin.connect()
      return admin
    })().catch((err: unknown) => {
      adminConnecting = undefined
      throw err
    }))

  /** While not ready, check connectivity without waiting for traffic (readiness gates traffic). */
  function scheduleProbe(): void {
    if (closed || probeTimer) return
    probeTimer = setTimeout(() => {
      probeTimer = undefined
      void (async () => {
        try {
          await connectProducer()
          await (await getAdmin()).describeCluster()
          if (!closed) markReady()
        } catch (err) {
          if (closed) return
          health = {
            ready: false,
            reason: `Kafka unreachable: ${err instanceof Error ? err.message : String(err)}`,
          }
          probeDelay = Math.min(probeDelay * 2, PROBE_MS.max)
          scheduleProbe()
        }
      })()
    }, probeDelay)
    probeTimer.unref()
  }

  const sendQueue = createSendQueue({
    maxBytes: COALESCE_MAX_BYTES,
    maxMessages: COALESCE_MAX_MESSAGES,
    send: async (topic, messages) => {
      try {
        await connectProducer()
        await producer.send({ topic, acks: -1, timeout: ACK_TIMEOUT_MS, messages })
      } catch (err) {
        replaceProducer()
        throw err
      }
    },
  })

  connectProducer().catch((err: unknown) => markDown(`Kafka unreachable: ${(err as Error).message}`))

  const assertOpen = (what: string): void => {
    if (closed) throw new BusError('SIL_BUS_CLOSED', `${what}: the Kafka bus is closed`)
  }

  return {
    kind: 'kafka',

    async ensureTopics(specs) {
      assertOpen('ensureTopics')
      try {
        await createMissingTopics(await getAdmin(), specs)
      } catch (err) {
        if (err instanceof RangeError) throw err
        throw toBusError(err, 'ensureTopics')
      }
    },

    async produce(topic, messages) {
      assertOpen('produce')
      if (messages.length === 0) return
      const call = sendQueue.enqueue(topic, messages.map(toKafkaMessage))
      try {
        await withDeadline(
          call.done,
          produceTimeoutMs,
          `no ack from Kafka within ${produceTimeoutMs} ms`,
          () => call.cancel(),
        )
        markReady()
      } catch (err) {
        const busError = toBusError(err, `produce to ${topic}`, topic)
        if (busError.code === 'SIL_BUS_UNAVAILABLE') markDown(busError.message)
        throw busError
      }
    },

    async subscribe(subscribeOptions) {
      assertOpen('subscribe')
      const consumer = kafka.consumer({
        groupId: subscribeOptions.group,
        allowAutoTopicCreation: false,
        maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
        sessionTimeout,
        heartbeatInterval,
        retry: { ...CLIENT_RETRY, restartOnFailure: () => Promise.resolve(true) },
      })
      let subscription: Subscription
      try {
        await consumer.connect()
        await consumer.subscribe({ topics: [subscribeOptions.topic], fromBeginning: true })
        subscription = await runSubscription(consumer, subscribeOptions, log)
      } catch (err) {
        await consumer.disconnect().catch(() => {})
        if (err instanceof RangeError) throw err
        throw toBusError(err, `subscribe to ${subscribeOptions.topic}`, subscribeOptions.topic)
      }
      const tracked: Subscription = {
        stop: async () => {
          subscriptions.delete(tracked)
          await subscription.stop()
        },
      }
      subscriptions.add(tracked)
      return tracked
    },

    async offsets(topic, group): Promise<PartitionOffsets[]> {
      assertOpen('offsets')
      let admin: Admin
      try {
        admin = await getAdmin()
        // Checked first: kafkajs keeps every topic it was asked about in its metadata refreshes,
        // so asking about a missing one would make later admin calls fail (createTopics too).
        if (!(await admin.listTopics()).includes(topic)) {
          throw new BusError('SIL_BUS_UNKNOWN_TOPIC', `offsets: topic ${topic} does not exist`)
        }
      } catch (err) {
        throw toBusError(err, `offsets of ${topic}`, topic)
      }
      try {
        const [ends, committed] = await Promise.all([
          admin.fetchTopicOffsets(topic),
          group === undefined ? undefined : admin.fetchOffsets({ groupId: group, topics: [topic] }),
        ])
        const byPartition = new Map<number, number>()
        for (const p of committed?.[0]?.partitions ?? []) {
          // -1: the group never committed this partition.
          if (Number(p.offset) >= 0) byPartition.set(p.partition, Number(p.offset))
        }
        return ends
          .map((p) => ({
            partition: p.partition,
            start: Number(p.low),
            end: Number(p.high),
            committed: byPartition.get(p.partition) ?? null,
          }))
          .sort((a, b) => a.partition - b.partition)
      } catch (err) {
        throw toBusError(err, `offsets of ${topic}`, topic)
      }
    },

    health: () => ({ ...health }),

    async close() {
      if (closed) return
      closed = true
      clearTimeout(probeTimer)
      await Promise.allSettled([...subscriptions].map((s) => s.stop()))
      const admin = adminConnecting
      await Promise.allSettled([producer.disconnect(), admin?.then((a) => a.disconnect())])
      health = { ready: false, reason: 'closed' }
    },
  }
}

/** An empty value is sent as null: a tombstone, which compaction turns into a deletion of the key. */
function toKafkaMessage(m: ProduceMessage): Message {
  const value = m.value.length === 0 ? null : m.value
  return m.headers ? { key: m.key, value, headers: m.headers } : { key: m.key, value }
}

/** `onTimeout` runs when the deadline passes first (e.g. to withdraw work not yet started). */
function withDeadline<T>(work: Promise<T>, ms: number, message: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.()
      reject(new Error(message))
    }, ms)
  })
  work.catch(() => {}) // after the deadline nobody awaits it; its failure is not unhandled
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer))
}
