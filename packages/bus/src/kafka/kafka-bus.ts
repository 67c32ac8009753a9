import { Kafka, type Admin, type Message } from 'kafkajs'
import { BusError, type Bus, type ProduceMessage, type Subscription } from '../bus.js'
import { checkBatchOptions } from '../batch-options.js'
import { toBusError } from './kafka-errors.js'
import { createKafkaHealth } from './kafka-health.js'
import { KAFKAJS_LOG_LEVEL, kafkaLogCreator, silentLogger, type KafkaBusLogger } from './kafka-log.js'
import { readKafkaOffsets } from './kafka-offsets.js'
import { createKafkaProducer } from './kafka-producer.js'
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
/** Admin and consumer retries; consumers also restart after a retriable crash. */
const CLIENT_RETRY = { initialRetryTime: 100, maxRetryTime: 5_000, retries: 5 }
/** Long-poll wait of a fetch; also bounds how long Subscription.stop() waits for an idle fetch. */
const FETCH_MAX_WAIT_MS = 1_000
/** kafkajs's default bound on one fetch response (all partitions). */
const KAFKAJS_MAX_BYTES = 10 * 1024 * 1024

/**
 * The production bus: kafkajs with an idempotent producer (kafka-producer.ts), admin-created
 * topics, one consumer per subscription (kafka-subscription.ts). The producer connects in the
 * background at creation; health() is not ready until it has (kafka-health.ts).
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
  let adminConnecting: Promise<Admin> | undefined
  const subscriptions = new Set<Subscription>()

  const getAdmin = (): Promise<Admin> =>
    (adminConnecting ??= (async () => {
      const admin = kafka.admin({ retry: CLIENT_RETRY })
      await admin.connect()
      return admin
    })().catch((err: unknown) => {
      adminConnecting = undefined
      throw err
    }))

  const health = createKafkaHealth({
    brokers: options.brokers,
    log,
    probe: async () => {
      await producer.connect()
      await (await getAdmin()).describeCluster()
    },
  })
  const producer = createKafkaProducer({
    kafka,
    onConnect: () => health.markReady(),
    onDisconnect: () => health.markDown('Kafka producer disconnected'),
    isClosed: () => closed,
  })

  producer.connect().catch((err: unknown) => health.markDown(`Kafka unreachable: ${(err as Error).message}`))

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
      const call = producer.send(topic, messages.map(toKafkaMessage))
      try {
        await withDeadline(
          call.done,
          produceTimeoutMs,
          `no ack from Kafka within ${produceTimeoutMs} ms`,
          () => call.cancel(),
        )
        health.markReady()
      } catch (err) {
        const busError = toBusError(err, `produce to ${topic}`, topic)
        if (busError.code === 'SIL_BUS_UNAVAILABLE') health.markDown(busError.message)
        throw busError
      }
    },

    async subscribe(subscribeOptions) {
      assertOpen('subscribe')
      checkBatchOptions(subscribeOptions)
      const { minBatchBytes, maxBatchWaitMs, maxBatchBytes } = subscribeOptions
      const consumer = kafka.consumer({
        groupId: subscribeOptions.group,
        allowAutoTopicCreation: false,
        // The batch bounds map onto the fetch (fetch.min.bytes, fetch.max.wait.ms, max.partition.fetch.bytes).
        maxWaitTimeInMs: maxBatchWaitMs || FETCH_MAX_WAIT_MS,
        ...(minBatchBytes ? { minBytes: minBatchBytes } : {}),
        ...(maxBatchBytes
          ? { maxBytesPerPartition: maxBatchBytes, maxBytes: Math.max(maxBatchBytes, KAFKAJS_MAX_BYTES) }
          : {}),
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

    async offsets(topic, group) {
      assertOpen('offsets')
      return readKafkaOffsets(getAdmin, topic, group)
    },

    health: () => health.current(),

    async close() {
      if (closed) return
      closed = true
      health.stopProbing()
      await Promise.allSettled([...subscriptions].map((s) => s.stop()))
      const admin = adminConnecting
      await Promise.allSettled([producer.disconnect(), admin?.then((a) => a.disconnect())])
      health.markClosed()
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
