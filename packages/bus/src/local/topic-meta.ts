/** `<dir>/<topic>/topic.json`: the topic's settings, written last so its presence marks a complete topic. */
import fs from 'node:fs'
import path from 'node:path'
import type { TopicSpec } from '../bus.js'
import { writeFileAtomic } from './durable-fs.js'

export const TOPIC_META_FILE = 'topic.json'
/** Kafka's own default (log.retention.hours = 168). */
export const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000
const MAX_PARTITIONS = 10_000
/** Kafka's legal topic characters; names starting with `__` are reserved for the bus itself. */
const TOPIC_NAME_RE = /^[a-zA-Z0-9._-]{1,249}$/

export interface TopicMeta {
  version: 1
  name: string
  partitions: number
  retentionMs?: number
  compacted?: boolean
}

/** Throws a RangeError for a spec no topic can have: a programming error, never retried. */
export function validateTopicSpec(spec: TopicSpec): void {
  if (
    !TOPIC_NAME_RE.test(spec.name) ||
    spec.name === '.' ||
    spec.name === '..' ||
    spec.name.startsWith('__')
  ) {
    throw new RangeError(`invalid topic name ${JSON.stringify(spec.name)}`)
  }
  if (!Number.isInteger(spec.partitions) || spec.partitions < 1 || spec.partitions > MAX_PARTITIONS) {
    throw new RangeError(`invalid partition count ${spec.partitions} for topic ${spec.name}`)
  }
  if (spec.retentionMs !== undefined && !(Number.isFinite(spec.retentionMs) && spec.retentionMs > 0)) {
    throw new RangeError(`invalid retentionMs ${spec.retentionMs} for topic ${spec.name}`)
  }
}

export function topicMetaFromSpec(spec: TopicSpec): TopicMeta {
  const meta: TopicMeta = { version: 1, name: spec.name, partitions: spec.partitions }
  if (spec.retentionMs !== undefined) meta.retentionMs = spec.retentionMs
  if (spec.compacted) meta.compacted = true
  return meta
}

/** Reads a topic directory's metadata; undefined when the topic was never completely created. */
export function readTopicMetaSync(topicDir: string): TopicMeta | undefined {
  let text: string
  try {
    text = fs.readFileSync(path.join(topicDir, TOPIC_META_FILE), 'utf8')
  } catch {
    return undefined
  }
  const meta = JSON.parse(text) as Partial<TopicMeta>
  if (meta.version !== 1 || typeof meta.name !== 'string' || typeof meta.partitions !== 'number') {
    throw new Error(`unreadable ${TOPIC_META_FILE} in ${topicDir}`)
  }
  return meta as TopicMeta
}

export function writeTopicMeta(topicDir: string, meta: TopicMeta): Promise<void> {
  return writeFileAtomic(path.join(topicDir, TOPIC_META_FILE), `${JSON.stringify(meta)}\n`)
}
