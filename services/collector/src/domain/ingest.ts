import type { EnrichedEvent, EventType, SillageEvent } from '@sillage/schemas'
import type { ProduceMessage } from '@sillage/bus'
import type { EventErrorCode } from '../errors.js'
import { truncateDepth } from './depth.js'
import { enrichEvent, partitionKey, type EnrichContext } from './enrich.js'
import type { Scrubber } from './scrub.js'
import { describeViolations, type CompiledTrackingPlan, type Violation } from './tracking-plan.js'
import { MAX_DEPTH, validateEvent } from './validate.js'

export interface Rejection {
  index: number
  code: EventErrorCode
  message: string
}

/** A track event that broke its source's tracking plan (stored, flagged or dead-lettered). */
export interface PlanViolations {
  event: string
  /** Absent for a blocked event that came without one. */
  messageId?: string | undefined
  violations: Violation[]
}

export interface IngestResult {
  accepted: ProduceMessage[]
  rejected: Rejection[]
  deadLetters: ProduceMessage[]
  /** Tracking-plan violations of the events accepted or dead-lettered for it (metrics, debugger). */
  violations: PlanViolations[]
}

export interface IngestOptions extends EnrichContext {
  type?: EventType
  batchContext?: Record<string, unknown> | undefined
  sentAt?: string | undefined
  maxEventBytes: number
  /** The consent category the source requires in context.consent.categories, if any. */
  requiredConsent?: string | undefined
  /** True when the event carries an identifier of an erased person (privacy.suppressions). */
  isSuppressed?: ((event: SillageEvent) => boolean) | undefined
  /**
   * The categories a GPC signal withdraws (the source's `gpc.optOut`); undefined or empty: the
   * signal is only recorded.
   */
  gpcOptOut?: readonly string[] | undefined
  /** The source's PII rules (domain/scrub.ts), applied in place before enrichment. */
  scrub?: Scrubber | undefined
  /** The source's compiled tracking plan (domain/tracking-plan.ts); absent: nothing is checked. */
  trackingPlan?: CompiledTrackingPlan | undefined
}

/** Refusals found before (or while) the depth was checked. */
const UNBOUNDED: ReadonlySet<EventErrorCode> = new Set([
  'SIL_EVENT_NOT_OBJECT',
  'SIL_EVENT_TOO_DEEP',
  'SIL_EVENT_FORBIDDEN_KEY',
  'SIL_EVENT_NUMBER_OUT_OF_RANGE',
])

/** Consent changes are the audit trail of consent itself: they pass whatever they say. */
const CONSENT_EVENT = 'Consent Updated'

function consentGranted(event: SillageEvent, required: string | undefined): boolean {
  if (!required) return true
  if (event.type === 'track' && event.event === CONSENT_EVENT) return true
  return event.context?.consent?.categories?.includes(required) ?? false
}

/**
 * Global Privacy Control (docs/privacy.md): a `Sec-GPC: 1` request, or an event that says
 * `context.consent.gpc: true`, is an opt-out of the source's `gpc.optOut` categories. They are
 * removed from the event's consent (and from a `Consent Updated`'s `properties.categories`)
 * before consent is checked, and the signal is recorded.
 */
export function applyGpc(
  event: SillageEvent,
  headerGpc: boolean | undefined,
  optOut: readonly string[],
): void {
  const consent = event.context?.consent
  if (!headerGpc && consent?.gpc !== true) return
  const own = ((event.context ??= {}).consent ??= {})
  own.gpc = true
  if (own.categories) own.categories = own.categories.filter((c) => !optOut.includes(c))
  // A `Consent Updated` states its categories in properties too, and the models read those
  // first (consent_current, profiles, triggers): GPC withdraws them there as well.
  const props = event.type === 'track' && event.event === 'Consent Updated' ? event.properties : undefined
  const stated = props?.['categories']
  if (Array.isArray(stated)) props!['categories'] = stated.filter((c) => !optOut.includes(c as string))
}

/** The dead-letter record: the raw payload, why it was refused, and where it came from. */
export interface DeadLetter {
  /** `violations`: a SIL_TRACKING_PLAN_VIOLATION's broken rules. */
  reason: { code: EventErrorCode; message: string; violations?: Violation[] }
  index: number
  sourceId: string
  receivedAt: string
  payload: unknown
  /**
   * What the request added to its items, so a replay validates them as the collector did: the
   * type of a single-event endpoint (/v1/track), and a batch's `sentAt` and `context`.
   */
  request?: { type?: EventType; sentAt?: string; context?: Record<string, unknown> }
}

/**
 * Validates and enriches every item of a request; never throws on bad input. Accepted events are
 * serialised once, here, and travel as bytes from then on.
 */
export function ingestItems(items: readonly unknown[], opts: IngestOptions): IngestResult {
  const accepted: ProduceMessage[] = []
  const rejected: Rejection[] = []
  const deadLetters: ProduceMessage[] = []
  const planViolations: PlanViolations[] = []
  const receivedAt = opts.receivedAtIso ?? new Date(opts.receivedAt).toISOString()
  const request: DeadLetter['request'] =
    opts.type || opts.sentAt || opts.batchContext
      ? {
          ...(opts.type ? { type: opts.type } : {}),
          ...(opts.sentAt ? { sentAt: opts.sentAt } : {}),
          ...(opts.batchContext ? { context: opts.batchContext } : {}),
        }
      : undefined
  const refuse = (
    index: number,
    code: EventErrorCode,
    message: string,
    payload: unknown,
    key: string | null,
    violations?: Violation[],
  ) => {
    rejected.push({ index, code, message })
    // An item refused before its depth was known to be bounded may nest 20,000 levels, which
    // would overflow JSON.stringify: its dead letter keeps the first MAX_DEPTH levels.
    if (UNBOUNDED.has(code)) payload = truncateDepth(payload, MAX_DEPTH)
    // Dead letters are kept too: the source's PII rules apply to them as well.
    if (opts.scrub && typeof payload === 'object' && payload !== null) opts.scrub(payload)
    const letter: DeadLetter = {
      reason: violations ? { code, message, violations } : { code, message },
      index,
      sourceId: opts.sourceId,
      receivedAt,
      payload,
      ...(request && code !== 'SIL_EVENT_NO_CONSENT' && code !== 'SIL_EVENT_SUPPRESSED' ? { request } : {}),
    }
    deadLetters.push({ key, value: Buffer.from(JSON.stringify(letter)) })
  }
  for (const [index, item] of items.entries()) {
    const v = validateEvent(item, opts)
    if (!v.ok) {
      refuse(index, v.code, v.message, item, null)
      continue
    }
    if (opts.gpcOptOut && opts.gpcOptOut.length > 0) applyGpc(v.event, opts.gpc, opts.gpcOptOut)
    if (!consentGranted(v.event, opts.requiredConsent)) {
      // Without consent nothing of the event may be kept: the dead letter holds only its shape.
      const { type, messageId } = v.event
      const shape = { type, messageId, event: v.event.type === 'track' ? v.event.event : undefined }
      refuse(index, 'SIL_EVENT_NO_CONSENT', `required category "${opts.requiredConsent}"`, shape, null)
      continue
    }
    if (opts.isSuppressed?.(v.event)) {
      // An erased person's identifier: nothing of the event is kept (docs/privacy.md).
      const { type, messageId } = v.event
      const shape = { type, messageId, event: v.event.type === 'track' ? v.event.event : undefined }
      refuse(index, 'SIL_EVENT_SUPPRESSED', 'an identifier of the event was erased', shape, null)
      continue
    }
    opts.scrub?.(v.event)
    // context.trackingPlan is the collector's to write (flag mode): never a client's.
    if (v.event.context?.['trackingPlan'] !== undefined) delete v.event.context['trackingPlan']
    let violations: Violation[] | undefined
    if (opts.trackingPlan !== undefined && v.event.type === 'track') {
      violations = opts.trackingPlan.check(v.event.event, v.event.properties)
      if (violations && opts.trackingPlan.mode === 'block') {
        const message = describeViolations(v.event.event, violations)
        refuse(index, 'SIL_TRACKING_PLAN_VIOLATION', message, item, null, violations)
        planViolations.push({ event: v.event.event, messageId: v.event.messageId, violations })
        continue
      }
      if (violations && opts.trackingPlan.mode === 'flag')
        (v.event.context ??= {})['trackingPlan'] = { mode: 'flag', violations }
    }
    const event: EnrichedEvent = enrichEvent(v.event, opts)
    const value = Buffer.from(JSON.stringify(event))
    const key = partitionKey(event)
    if (value.length > opts.maxEventBytes) {
      refuse(
        index,
        'SIL_EVENT_TOO_LARGE',
        `event is ${value.length} bytes, limit ${opts.maxEventBytes}`,
        item,
        key,
      )
      continue
    }
    // The event goes with its bytes: a consumer in this process (identity, embedded) reads it
    // from the local bus's memory without parsing it again. Nothing changes it from here on.
    accepted.push({ key, value, parsed: event })
    if (violations && event.type === 'track')
      planViolations.push({ event: event.event, messageId: event.messageId, violations })
  }
  return { accepted, rejected, deadLetters, violations: planViolations }
}
