/**
 * The local bus's topics: those found on disk at open, those created by ensureTopics, each with its
 * partition logs and its partitioner. Partitions report failed and recovered writes to
 * `failures` (write-failures.ts).
 */
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { BusError, type TopicSpec } from '../bus.js'
import { createPartitioner, type Partitioner } from '../partitioner.js'
import { fsyncDir, type LogFileOps } from './durable-fs.js'
import type { LocalBusSettings } from './local-bus-options.js'
import type { BusLog } from './logger.js'
import { OFFSETS_DIR } from './offset-store.js'
import { createPartitionLog, type PartitionLog } from './partition-log.js'
import {
  readTopicMetaSync,
  topicMetaFromSpec,
  validateTopicSpec,
  writeTopicMeta,
  type TopicMeta,
} from './topic-meta.js'
import type { WriteFailures } from './write-failures.js'

export interface LocalTopic {
  meta: TopicMeta
  partitions: PartitionLog[]
  partitioner: Partitioner
}

export interface TopicRegistryDeps {
  dir: string
  settings: LocalBusSettings
  fileOps?: LogFileOps | undefined
  log: BusLog
  failures: WriteFailures
  /** Throws SIL_BUS_CLOSED once the bus is closed: checked before each topic is created. */
  assertOpen: () => void
}

export interface TopicRegistry {
  /** Creates the missing topics, one ensure after another; an existing topic is left as it is. */
  ensure(specs: readonly TopicSpec[]): Promise<void>
  /** Throws SIL_BUS_UNKNOWN_TOPIC for a topic that does not exist. */
  get(name: string): LocalTopic
  all(): IterableIterator<LocalTopic>
  /** Resolves once the ensure calls already made have settled. */
  idle(): Promise<void>
  /** Closes every partition log; one result per partition. */
  closePartitions(): Promise<PromiseSettledResult<void>[]>
}

/** Opens (and recovers) the topics found in `dir`, synchronously. */
export function openTopicRegistry(deps: TopicRegistryDeps): TopicRegistry {
  const { dir, settings, log, failures } = deps
  const topics = new Map<string, LocalTopic>()

  function openPartitions(meta: TopicMeta): PartitionLog[] {
    const partitions: PartitionLog[] = []
    for (let partition = 0; partition < meta.partitions; partition++) {
      const where = `${meta.name}/${partition}`
      partitions.push(
        createPartitionLog({
          topic: meta.name,
          partition,
          dir: path.join(dir, meta.name, String(partition)),
          segmentBytes: settings.segmentBytes,
          ...(!meta.compacted && { segmentMs: settings.segmentMs }),
          groupCommitMs: settings.groupCommitMs,
          tailBytes: settings.tailBytes,
          log,
          recoveryProbeMs: settings.recoveryProbeMs,
          ...(deps.fileOps && { fileOps: deps.fileOps }),
          onWriteFailure: (err) => failures.failed(where, err),
          onRecovered: () => failures.recovered(where),
        }),
      )
    }
    return partitions
  }

  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === OFFSETS_DIR) continue
    const meta = readTopicMetaSync(path.join(dir, entry.name))
    if (!meta) {
      log.warn({ dir: path.join(dir, entry.name) }, 'local bus: ignoring a directory without topic.json')
      continue
    }
    topics.set(meta.name, { meta, partitions: openPartitions(meta), partitioner: createPartitioner() })
  }

  async function createTopic(spec: TopicSpec): Promise<void> {
    const existing = topics.get(spec.name)
    if (existing) {
      if (existing.meta.partitions !== spec.partitions) {
        log.warn(
          { topic: spec.name, partitions: existing.meta.partitions, requested: spec.partitions },
          'local bus: topic exists with another partition count; left as it is',
        )
      }
      return
    }
    const meta = topicMetaFromSpec(spec)
    const topicDir = path.join(dir, spec.name)
    await fsp.mkdir(topicDir, { recursive: true })
    const partitions = openPartitions(meta)
    try {
      await fsyncDir(topicDir)
      await writeTopicMeta(topicDir, meta)
      await fsyncDir(dir)
    } catch (err) {
      await Promise.allSettled(partitions.map((p) => p.close()))
      throw new BusError('SIL_BUS_UNAVAILABLE', `could not create topic ${spec.name}`, { cause: err })
    }
    topics.set(spec.name, { meta, partitions, partitioner: createPartitioner() })
    log.info({ topic: spec.name, partitions: spec.partitions }, 'local bus: topic created')
  }

  let topicChain: Promise<void> = Promise.resolve()

  return {
    async ensure(specs) {
      for (const spec of specs) validateTopicSpec(spec)
      const run = topicChain.then(async () => {
        for (const spec of specs) {
          deps.assertOpen()
          await createTopic(spec)
        }
      })
      topicChain = run.catch(() => {})
      await run
    },

    get(name) {
      const topic = topics.get(name)
      if (!topic) throw new BusError('SIL_BUS_UNKNOWN_TOPIC', `unknown topic ${name}`)
      return topic
    },

    all: () => topics.values(),

    idle: () => topicChain,

    closePartitions() {
      const partitions = [...topics.values()].flatMap((t) => t.partitions)
      return Promise.allSettled(partitions.map((p) => p.close()))
    },
  }
}
