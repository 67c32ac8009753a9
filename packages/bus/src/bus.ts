/**
 * The bus contract shared by the `local` (durable on-disk log) and `kafka` implementations.
 *
 * - Records are ordered per key: a key always maps to the same partition of a topic.
 * - `produce` resolves only once every message is durable (local: fsync'd; kafka: acks=-1).
 * - Delivery is at-least-once: a consumer group's offset advances only after its handler resolved.
 */

export interface TopicSpec {
  name: string
  partitions: number
  /** Time-based retention; undefined keeps the implementation's default. */
  retentionMs?: number
  /** Log compaction by key (identity.changelog). */
  compacted?: boolean
}

export interface ProduceMessage {
  /** Partitioning key; null spreads messages over partitions. */
  key: string | null
  /**
   * An empty value is a tombstone: on a compacted Kafka topic it is sent as null, and compaction
   * then deletes the key. Consumers receive tombstones as empty values (both implementations).
   */
  value: Buffer
  headers?: Record<string, string>
  /**
   * The value already parsed, when the producer has it (the collector's enriched event): the
   * local bus hands it to consumers in the same process with the record (BusRecord.parsed), so
   * they need not parse the bytes again. It must equal JSON.parse of `value`, and nobody may
   * change it once produced. Kafka ignores it.
   */
  parsed?: unknown
}

export interface BusRecord {
  topic: string
  partition: number
  offset: number
  key: string | null
  value: Buffer
  /** Append time, epoch milliseconds. */
  timestamp: number
  headers: Record<string, string>
  /**
   * The producer's parsed value (ProduceMessage.parsed), for a consumer that takes them
   * (SubscribeOptions.takeParsed) when the local bus read the record from memory: read-only, equal
   * to JSON.parse of `value`. Absent otherwise: parse `value`.
   */
  parsed?: unknown
}

export interface Batch {
  topic: string
  partition: number
  records: BusRecord[]
}

export interface SubscribeOptions {
  topic: string
  group: string
  /** Upper bound on records handed to one eachBatch call. */
  maxBatchRecords?: number
  /** Upper bound on the value bytes of one batch (Kafka: maxBytesPerPartition). Default 2 MiB. */
  maxBatchBytes?: number
  /**
   * Kafka's fetch.min.bytes and fetch.max.wait.ms: a batch waits up to `maxBatchWaitMs` for
   * `minBatchBytes` of values to be there, so that a busy consumer gets fewer, larger batches
   * (identity: one ClickHouse insert each). Default: no wait. As in Kafka, the wait counts from
   * when the consumer asks for its next batch: the local bus's consumer asks once and waits, so
   * one that has waited `maxBatchWaitMs` already (an idle pipeline) gets the next record at once;
   * Kafka's answers empty fetches every `maxBatchWaitMs` and sends the next, so a lone record
   * there waits for the end of the fetch in flight. The local bus counts the waiting bytes in its
   * in-memory tail (LocalBusOptions.tailBytes): without one, it hands over what is there at once.
   */
  minBatchBytes?: number
  maxBatchWaitMs?: number
  /**
   * Local bus: this consumer gets the producer's parsed values (BusRecord.parsed) of the records
   * it reads from memory, and no other consumer gets them after it. For the one consumer that
   * parses every record in the producer's process (identity in embedded mode). Kafka ignores it.
   */
  takeParsed?: boolean
  /**
   * How many partitions' batches may be handled at the same time (Kafka: kafkajs's
   * partitionsConsumedConcurrently; one partition's batches always go one after the other, in
   * order). Default 1 on Kafka. The local bus always hands every partition's batches over
   * concurrently (one loop per partition) and ignores it.
   */
  concurrentPartitions?: number
  /**
   * Called with records of one partition in offset order. When it resolves, the group's offset
   * for that partition moves past the batch. When it rejects, the same records are delivered
   * again after a back-off (nothing is skipped).
   */
  eachBatch: (batch: Batch) => Promise<void>
  /** Called when eachBatch rejects, before the redelivery. */
  onError?: (err: unknown, batch: Batch) => void
  /**
   * false: read without committing: the group's offsets never move, so a group that never
   * committed reads from the start of the log every time (`sillage dlq inspect`). Default true.
   */
  commit?: boolean
}

/** Where one partition stands: the log's first and next offsets, and a group's committed one. */
export interface PartitionOffsets {
  partition: number
  /** The first offset still stored (retention deletes older records). */
  start: number
  /** The offset the next record will get (the high watermark): `end - start` records are stored. */
  end: number
  /** The group's committed next offset; null when the group never committed this partition. */
  committed: number | null
}

export interface Subscription {
  /** Stops fetching, waits for the in-flight batch to finish and commit. */
  stop(): Promise<void>
}

export interface BusHealth {
  ready: boolean
  /** Why it is not ready (for /readyz and the logs). */
  reason?: string
  /** When it stopped being ready (epoch ms), where the implementation knows (local: the failed write). */
  since?: number
}

export interface Bus {
  readonly kind: 'local' | 'kafka'
  /** Creates missing topics; existing ones are left as they are. */
  ensureTopics(specs: readonly TopicSpec[]): Promise<void>
  /** Resolves once every message is durable; rejects if any is not. */
  produce(topic: string, messages: readonly ProduceMessage[]): Promise<void>
  subscribe(options: SubscribeOptions): Promise<Subscription>
  /**
   * Every partition of `topic` with its start and end offsets and, given a group, the group's
   * committed offsets: consumer lag, "read up to now" (consume-to-end.ts), `sillage doctor`.
   * Rejects with SIL_BUS_UNKNOWN_TOPIC when the topic does not exist.
   */
  offsets(topic: string, group?: string): Promise<PartitionOffsets[]>
  health(): BusHealth
  /** Stops subscriptions, flushes pending writes, releases files and connections. */
  close(): Promise<void>
}

export class BusError extends Error {
  constructor(
    readonly code: 'SIL_BUS_UNAVAILABLE' | 'SIL_BUS_CLOSED' | 'SIL_BUS_UNKNOWN_TOPIC' | 'SIL_BUS_CORRUPT',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'BusError'
  }
}
