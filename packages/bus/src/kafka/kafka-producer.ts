import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs'
import { createSendQueue, type SendQueue } from './kafka-send-queue.js'

/** Bounded, so that a produce fails in bounded time when the broker is gone (see kafka-log.ts). */
const PRODUCER_RETRY = { initialRetryTime: 100, maxRetryTime: 2_000, retries: 5 }
/** Broker-side wait for the in-sync replicas' acks. */
const ACK_TIMEOUT_MS = 10_000
/**
 * Concurrent produces to a topic share one request (kafka-send-queue.ts) up to these bounds. 1 MiB
 * of values keeps every partition's record batch under the broker's default message.max.bytes;
 * kafkajs groups messages per partition in quadratic time, so requests stay at 1,000 messages.
 */
const COALESCE_MAX_BYTES = 1024 * 1024
const COALESCE_MAX_MESSAGES = 1_000

export interface KafkaProducerDeps {
  kafka: Kafka
  /** The current producer connected. */
  onConnect: () => void
  /** The current producer disconnected while the bus is open. */
  onDisconnect: () => void
  isClosed: () => boolean
}

export interface KafkaProducer {
  /** Connects the current producer; concurrent calls share one attempt, a failed one is retried next call. */
  connect(): Promise<void>
  /** Queues `messages` for the topic's next request (acks=-1); see kafka-send-queue.ts. */
  send: SendQueue['enqueue']
  disconnect(): Promise<void>
}

/**
 * The bus's idempotent producer (acks=-1, one request in flight per broker as kafkajs requires for
 * idempotence), behind a queue that coalesces concurrent produces to a topic.
 */
export function createKafkaProducer(deps: KafkaProducerDeps): KafkaProducer {
  let connecting: Promise<void> | undefined

  const create = (): Producer => {
    const p = deps.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Explicit, which also silences kafkajs's partitioner warning: murmur2, like the Java client.
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: PRODUCER_RETRY,
    })
    p.on(p.events.CONNECT, () => {
      if (p === producer) deps.onConnect()
    })
    p.on(p.events.DISCONNECT, () => {
      if (!deps.isClosed() && p === producer) deps.onDisconnect()
    })
    return p
  }
  let producer = create()

  /**
   * After a failed send the idempotent producer may be wedged for good (kafkajs keeps the
   * producer id and sequence numbers a restarted broker no longer accepts): start a new one.
   * Messages whose ack was lost may then be written twice; messageId deduplication covers that.
   */
  const replace = (): void => {
    if (deps.isClosed()) return
    const old = producer
    producer = create()
    connecting = undefined
    void old.disconnect().catch(() => {})
  }

  const connect = (): Promise<void> =>
    (connecting ??= producer.connect().catch((err: unknown) => {
      connecting = undefined
      throw err
    }))

  const queue = createSendQueue({
    maxBytes: COALESCE_MAX_BYTES,
    maxMessages: COALESCE_MAX_MESSAGES,
    send: async (topic, messages: Message[]) => {
      try {
        await connect()
        await producer.send({ topic, acks: -1, timeout: ACK_TIMEOUT_MS, messages })
      } catch (err) {
        replace()
        throw err
      }
    },
  })

  return {
    connect,
    send: (topic, messages) => queue.enqueue(topic, messages),
    disconnect: () => producer.disconnect(),
  }
}
