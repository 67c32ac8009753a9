import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import type { DeliveryItem } from '@sillage/activation'
import { TOPICS, type Bus, type BusRecord } from '@sillage/bus'
import { dlqFilterSchema } from './dlq-filter.js'
import { DLQ_READ_TIMEOUT_MS, readDeadLetterTopic } from './dlq-ops.js'

/**
 * A batch a destination refused, or that ran out of retries, as activation writes it to
 * activation.deadletters (services/activation dead-letter.ts, docs/activation.md), with where it
 * is in the log.
 */
export interface ActivationDeadLetter {
  destination: string
  /** The batch's Idempotency-Key. */
  batch_key: string
  /** `HTTP 410`, `timed out after 10000 ms`, … */
  reason: string
  attempts: number
  /** When it was dead-lettered (ISO). */
  at: string
  items: DeliveryItem[]
  partition: number
  offset: number
}

export interface ActivationDeadLetterFilter {
  destination?: string | undefined
  /** Only letters dead-lettered at or after / before these instants (epoch ms). */
  since?: number | undefined
  until?: number | undefined
}

/** `sillage dlq inspect --topic activation`'s filters: options, or query parameters of /admin/dlq/activation. */
export const activationFilterSchema = dlqFilterSchema
  .pick({ since: true, until: true })
  .extend({ destination: z.string().min(1).optional() })

export interface ActivationInspectResult {
  /** Dead letters read (the whole topic, within its retention). */
  scanned: number
  /** Those matching the filter, and their items. */
  matched: number
  items: number
  byDestination: Record<string, number>
  /** The latest `limit` matching letters, oldest first. */
  letters: ActivationDeadLetter[]
  /** activation.deadletters does not exist yet: no delivery ever failed for good here. */
  topicMissing?: boolean
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** Decodes one activation.deadletters record; undefined for a record that is not one. */
export function decodeActivationDeadLetter(record: BusRecord): ActivationDeadLetter | undefined {
  let v: unknown
  try {
    v = JSON.parse(record.value.toString('utf8'))
  } catch {
    return undefined
  }
  if (!isObject(v) || typeof v['destination'] !== 'string' || !Array.isArray(v['items'])) return undefined
  return {
    destination: v['destination'],
    batch_key: typeof v['batch_key'] === 'string' ? v['batch_key'] : '',
    reason: typeof v['reason'] === 'string' ? v['reason'] : '',
    attempts: typeof v['attempts'] === 'number' ? v['attempts'] : 0,
    at: typeof v['at'] === 'string' ? v['at'] : new Date(record.timestamp).toISOString(),
    items: v['items'] as DeliveryItem[],
    partition: record.partition,
    offset: record.offset,
  }
}

export function matchesActivationFilter(
  letter: ActivationDeadLetter,
  filter: ActivationDeadLetterFilter,
): boolean {
  if (filter.destination !== undefined && letter.destination !== filter.destination) return false
  const at = Date.parse(letter.at)
  if (filter.since !== undefined && !(at >= filter.since)) return false
  if (filter.until !== undefined && !(at < filter.until)) return false
  return true
}

/**
 * Reads activation.deadletters from its start to its current end without moving any group's
 * offsets (a throwaway group that never commits), and keeps the latest `limit` matching letters.
 * Read only: there is no replay of these letters (docs/operations.md).
 */
export async function inspectActivationDeadLetters(
  bus: Bus,
  opts: { filter: ActivationDeadLetterFilter; limit: number; timeoutMs?: number },
): Promise<ActivationInspectResult> {
  const result: ActivationInspectResult = { scanned: 0, matched: 0, items: 0, byDestination: {}, letters: [] }
  const found = await readDeadLetterTopic(bus, {
    topic: TOPICS.activationDeadLetters,
    group: `sillage.dlq-inspect.${randomUUID()}`,
    commit: false,
    timeoutMs: opts.timeoutMs ?? DLQ_READ_TIMEOUT_MS,
    eachBatch: async (batch) => {
      for (const record of batch.records) {
        const letter = decodeActivationDeadLetter(record)
        if (!letter) continue
        result.scanned++
        if (!matchesActivationFilter(letter, opts.filter)) continue
        result.matched++
        result.items += letter.items.length
        result.byDestination[letter.destination] = (result.byDestination[letter.destination] ?? 0) + 1
        result.letters.push(letter)
        if (result.letters.length > opts.limit) result.letters.shift()
      }
    },
  })
  if (!found) result.topicMissing = true
  result.letters.sort((a, b) => a.at.localeCompare(b.at) || a.offset - b.offset)
  return result
}
