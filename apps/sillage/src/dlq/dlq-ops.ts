import { createHash, randomUUID } from 'node:crypto'
import {
  BusError,
  consumeToEnd,
  TOPICS,
  type Bus,
  type ConsumeToEndOptions,
  type ProduceMessage,
} from '@sillage/bus'
import { createTrackingPlanIndex, ingestItems } from '@sillage/collector'
import type { Source } from '@sillage/schemas'
import {
  decodeDeadLetter,
  matchesFilter,
  type DeadLetterFilter,
  type DeadLetterRecord,
} from './dead-letters.js'

/**
 * The consumer group whose committed offsets on events.invalid mark what `dlq replay` has already
 * reprocessed (SILLAGE_TOPIC_PREFIX applies to it as to every group).
 */
export const REPLAY_GROUP = 'sillage.dlq-replay'

/**
 * How long one inspect or replay may read its topic before it fails (consumeToEnd's bound): the
 * CLI waits for a running start's answer a little longer (DLQ_CALL_TIMEOUT_MS), so that this
 * error, not the CLI's own timeout, says why.
 */
export const DLQ_READ_TIMEOUT_MS = 120_000
/** The CLI's limit on a running start's `/admin/dlq*` answer. */
export const DLQ_CALL_TIMEOUT_MS = DLQ_READ_TIMEOUT_MS + 30_000

/**
 * consumeToEnd, where a topic that does not exist yet (a fresh data dir before its first `sillage
 * start`, a Kafka cluster the services never ran on) holds no dead letters: false, not an error.
 * Decision (docs/operations.md), as Segment's and RudderStack's tools show an empty list.
 */
export async function readDeadLetterTopic(bus: Bus, options: ConsumeToEndOptions): Promise<boolean> {
  try {
    await consumeToEnd(bus, options)
    return true
  } catch (err) {
    if (err instanceof BusError && err.code === 'SIL_BUS_UNKNOWN_TOPIC') return false
    throw err
  }
}

export interface InspectResult {
  /** Dead letters read (the whole topic, within its retention). */
  scanned: number
  /** Those matching the filter. */
  matched: number
  byCode: Record<string, number>
  /** The latest `limit` matching letters, oldest first. */
  letters: DeadLetterRecord[]
  /** events.invalid does not exist yet: nothing was ever rejected here. */
  topicMissing?: boolean
}

/**
 * Reads events.invalid from its start to its current end without moving any group's offsets
 * (a throwaway group that never commits), and keeps the latest `limit` letters matching `filter`.
 */
export async function inspectDeadLetters(
  bus: Bus,
  opts: { filter: DeadLetterFilter; limit: number; timeoutMs?: number },
): Promise<InspectResult> {
  const result: InspectResult = { scanned: 0, matched: 0, byCode: {}, letters: [] }
  const found = await readDeadLetterTopic(bus, {
    topic: TOPICS.invalid,
    group: `sillage.dlq-inspect.${randomUUID()}`,
    commit: false,
    timeoutMs: opts.timeoutMs ?? DLQ_READ_TIMEOUT_MS,
    eachBatch: async (batch) => {
      for (const record of batch.records) {
        const letter = decodeDeadLetter(record)
        if (!letter) continue
        result.scanned++
        if (!matchesFilter(letter, opts.filter)) continue
        result.matched++
        result.byCode[letter.reason.code] = (result.byCode[letter.reason.code] ?? 0) + 1
        result.letters.push(letter)
        if (result.letters.length > opts.limit) result.letters.shift()
      }
    },
  })
  if (!found) result.topicMissing = true
  // Partitions are read concurrently: order the kept letters by time.
  result.letters.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.offset - b.offset)
  return result
}

export interface ReplayOptions {
  sources: readonly Source[]
  maxEventBytes: number
  filter?: DeadLetterFilter
  /**
   * true: reread everything events.invalid still holds, without moving the replay group (events
   * replayed before are produced again; their messageIds make identity drop them).
   */
  all?: boolean
  /** Count what would pass; produce nothing and move no offset. */
  dryRun?: boolean
  group?: string
  timeoutMs?: number
}

export interface ReplayResult {
  /** Dead letters read from events.invalid by this run. */
  read: number
  /** Now valid: produced to events.raw (or, dry run, would be). */
  passed: number
  /** Still refused by the current validation, by code; they stay in events.invalid. */
  stillFailing: Record<string, number>
  /**
   * Letters without the event's content (SIL_EVENT_NO_CONSENT and SIL_EVENT_SUPPRESSED keep only
   * its shape): never replayed, and not reported as still failing (nothing to fix in them).
   */
  notReplayable: number
  /** Their source no longer exists. */
  unknownSource: number
  /** Not matching the filter: passed over (a later run with --all reaches them again). */
  skipped: number
  /** events.invalid does not exist yet: nothing to replay. */
  topicMissing?: boolean
}

/** Codes whose dead letters the collector writes without the event's content (docs/privacy.md). */
const CONTENTLESS: ReadonlySet<string> = new Set(['SIL_EVENT_NO_CONSENT', 'SIL_EVENT_SUPPRESSED'])

/**
 * A message id for a replayed event that had none: derived from the dead letter's content, so a
 * replay that runs again (a crash before its commit, --all) gives the same id and identity's
 * deduplication drops the copy.
 */
export function replayMessageId(letter: DeadLetterRecord): string {
  const hash = createHash('sha256')
    .update(`${letter.sourceId}\0${letter.receivedAt}\0${letter.index}\0${JSON.stringify(letter.payload)}`)
    .digest('hex')
  return `dlq-${hash.slice(0, 32)}`
}

/** Each source's tracking plan, compiled once per process (a replay checks it as the collector does). */
const trackingPlanFor = createTrackingPlanIndex()

/** One dead letter through today's validation and enrichment (the collector's ingestItems). */
export function reingest(
  letter: DeadLetterRecord,
  source: Source,
  maxEventBytes: number,
): { ok: true; message: ProduceMessage } | { ok: false; code: string } {
  const receivedAt = Date.parse(letter.receivedAt)
  const result = ingestItems([letter.payload], {
    receivedAt: Number.isNaN(receivedAt) ? Date.now() : receivedAt,
    sourceId: source.id,
    newMessageId: () => replayMessageId(letter),
    keepFullIp: source.keepFullIp,
    requiredConsent: source.consent.required,
    trackingPlan: trackingPlanFor(source),
    maxEventBytes,
    type: letter.request?.type,
    sentAt: letter.request?.sentAt,
    batchContext: letter.request?.context,
  })
  const accepted = result.accepted[0]
  if (accepted) return { ok: true, message: accepted }
  return { ok: false, code: result.rejected[0]?.code ?? 'SIL_EVENT_SCHEMA' }
}

/**
 * `sillage dlq replay`: reads the dead letters the replay group has not processed yet, runs each
 * through the current validation with its source's current settings, produces those that now pass
 * to events.raw, and commits, batch by batch, only after their produce was acknowledged. A run
 * that is interrupted resumes where its last commit stands; what it produced again carries the
 * same messageIds. The letters that still fail are left in events.invalid, not written again.
 */
export async function replayDeadLetters(bus: Bus, opts: ReplayOptions): Promise<ReplayResult> {
  const result: ReplayResult = {
    read: 0,
    passed: 0,
    stillFailing: {},
    notReplayable: 0,
    unknownSource: 0,
    skipped: 0,
  }
  const byId = new Map(opts.sources.map((s) => [s.id, s]))
  const readOnly = opts.all === true || opts.dryRun === true
  const found = await readDeadLetterTopic(bus, {
    topic: TOPICS.invalid,
    // --all rereads from the start with a throwaway group; a dry run reads as the replay group would.
    group: opts.all ? `${REPLAY_GROUP}.all.${randomUUID()}` : (opts.group ?? REPLAY_GROUP),
    commit: !readOnly,
    timeoutMs: opts.timeoutMs ?? DLQ_READ_TIMEOUT_MS,
    eachBatch: async (batch) => {
      const messages: ProduceMessage[] = []
      const counts = { ...result, stillFailing: { ...result.stillFailing } }
      for (const record of batch.records) {
        const letter = decodeDeadLetter(record)
        counts.read++
        if (!letter) {
          counts.notReplayable++
          continue
        }
        if (opts.filter && !matchesFilter(letter, opts.filter)) {
          counts.skipped++
          continue
        }
        if (CONTENTLESS.has(letter.reason.code)) {
          counts.notReplayable++
          continue
        }
        const source = byId.get(letter.sourceId)
        if (!source) {
          counts.unknownSource++
          continue
        }
        const outcome = reingest(letter, source, opts.maxEventBytes)
        if (outcome.ok) {
          messages.push(outcome.message)
          counts.passed++
        } else {
          counts.stillFailing[outcome.code] = (counts.stillFailing[outcome.code] ?? 0) + 1
        }
      }
      if (!opts.dryRun && messages.length > 0) await bus.produce(TOPICS.raw, messages)
      // Counted once the batch is done: a redelivered batch is not counted twice.
      Object.assign(result, counts)
    },
  })
  if (!found) result.topicMissing = true
  return result
}
