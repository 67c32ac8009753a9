import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { batchSchema, type EventType, type ParsedUserAgent, type Source } from '@sillage/schemas'
import { TOPICS, type Bus } from '@sillage/bus'
import { CollectorError, REQUEST_ERRORS } from '../errors.js'
import { originAllowed, writeKeyFromAuthorization } from '../domain/auth.js'
import { envelopeProblem } from '../domain/depth.js'
import { ingestItems, type IngestOptions, type IngestResult } from '../domain/ingest.js'
import { MAX_DEPTH } from '../domain/validate.js'
import type { RateLimiter } from '../domain/rate-limit.js'
import type { Scrubber } from '../domain/scrub.js'
import type { SuppressedCheck } from '../domain/suppress.js'
import type { CompiledTrackingPlan } from '../domain/tracking-plan.js'
import type { DebugTap } from '../domain/debug-tap.js'
import type { CollectorMetrics } from '../metrics.js'

export interface IngestRouteDeps {
  bus: Bus
  findSource: (writeKey: string) => Source | undefined
  maxEventBytes: number
  newMessageId: () => string
  parseUserAgent: (ua: string) => ParsedUserAgent
  rateLimiter: RateLimiter
  metrics: CollectorMetrics
  /** PII rules per source (domain/scrub.ts). */
  scrubberFor?: (source: Source) => Scrubber
  /**
   * The check of each event against the erased identifiers, per source (its scrub paths are
   * looked at too: domain/suppress.ts); absent, nothing is suppressed.
   */
  suppressedFor?: ((source: Source) => SuppressedCheck) | undefined
  /** The compiled tracking plan per source (domain/tracking-plan.ts); absent, nothing is checked. */
  trackingPlanFor?: (source: Source) => CompiledTrackingPlan | undefined
  /** The debugger's tap, shown the violations of allowed events (their bytes do not carry them). */
  debugTap?: DebugTap | undefined
}

/** Segment's single-event endpoints, with the short paths analytics.js uses. */
export const SINGLE_EVENT_PATHS: ReadonlyArray<[EventType, string]> = [
  ['track', 't'],
  ['page', 'p'],
  ['screen', 's'],
  ['identify', 'i'],
  ['group', 'g'],
  ['alias', 'a'],
]

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The source each authenticated request belongs to: the debugger files refused requests under it. */
const requestSources = new WeakMap<FastifyRequest, string>()
export const sourceIdOf = (request: FastifyRequest): string | undefined => requestSources.get(request)

export function authenticate(
  request: FastifyRequest,
  body: Record<string, unknown>,
  deps: IngestRouteDeps,
): Source {
  const bodyKey = typeof body['writeKey'] === 'string' ? body['writeKey'] : undefined
  const writeKey = writeKeyFromAuthorization(request.headers.authorization) ?? bodyKey
  if (!writeKey) throw new CollectorError('SIL_AUTH_MISSING')
  const source = deps.findSource(writeKey)
  if (!source) throw new CollectorError('SIL_AUTH_INVALID')
  requestSources.set(request, source.id)
  if (!originAllowed(source, request.headers.origin)) throw new CollectorError('SIL_ORIGIN_NOT_ALLOWED')
  return source
}

/** Per source and client IP, in events; refused requests get 429 with Retry-After. */
function enforceRateLimit(request: FastifyRequest, source: Source, events: number, deps: IngestRouteDeps) {
  if (!source.rateLimit) return
  const decision = deps.rateLimiter.take(
    `${source.id}|${request.ip}`,
    source.rateLimit.perMinute,
    Math.max(1, events),
  )
  if (!decision.ok) {
    deps.metrics.rateLimited.inc({ source: source.id })
    throw new CollectorError('SIL_RATE_LIMITED', { retryAfterSeconds: decision.retryAfterSeconds })
  }
}

/** What every event of the request shares: computed once per request. */
export function requestContext(
  request: FastifyRequest,
  source: Source,
  deps: IngestRouteDeps,
): Omit<IngestOptions, 'maxEventBytes'> {
  const retries = Number(request.headers['x-retry-count'])
  if (retries > 0) deps.metrics.retriedRequests.inc()
  const receivedAt = Date.now()
  return {
    receivedAt,
    receivedAtIso: new Date(receivedAt).toISOString(),
    sourceId: source.id,
    newMessageId: deps.newMessageId,
    // A server source's connection is the shop's backend, not the shopper: only context.ip and
    // context.userAgent (forwarded by the server SDK) describe the person.
    ip: source.type === 'browser' ? request.ip : undefined,
    userAgent: source.type === 'browser' ? request.headers['user-agent'] : undefined,
    gpc: request.headers['sec-gpc'] === '1',
    dnt: request.headers['dnt'] === '1',
    keepFullIp: source.keepFullIp,
    parseUserAgent: deps.parseUserAgent,
    requiredConsent: source.consent.required,
    gpcOptOut: source.gpc.optOut,
    isSuppressed: deps.suppressedFor?.(source),
    scrub: deps.scrubberFor?.(source),
    trackingPlan: deps.trackingPlanFor?.(source),
  }
}

export async function deliver(result: IngestResult, deps: IngestRouteDeps): Promise<void> {
  const started = process.hrtime.bigint()
  if (result.violations.length > 0) deps.debugTap?.violations(result.violations)
  try {
    await Promise.all([
      result.accepted.length > 0 ? deps.bus.produce(TOPICS.raw, result.accepted) : undefined,
      result.deadLetters.length > 0 ? deps.bus.produce(TOPICS.invalid, result.deadLetters) : undefined,
    ])
  } catch (cause) {
    if (cause instanceof CollectorError) throw cause // SIL_OVERLOADED (adapters/bounded-bus.ts)
    throw new CollectorError('SIL_BUS_UNAVAILABLE', { cause })
  }
  deps.metrics.busLatency.observe(Number(process.hrtime.bigint() - started) / 1e9)
  deps.metrics.accepted.inc(result.accepted.length)
  for (const r of result.rejected) deps.metrics.rejected.inc({ code: r.code })
  for (const { event, violations } of result.violations) {
    // Once per event and rule: three bad prices in one order are one broken rule.
    const rules = new Set(violations.map((v) => v.rule))
    for (const rule of rules) deps.metrics.planViolations.inc({ event, rule })
  }
}

function respond(result: IngestResult, reply: FastifyReply) {
  const accepted = result.accepted.length
  if (accepted === 0 && result.rejected.length > 0) {
    return reply.code(400).send({
      success: false,
      code: 'SIL_BATCH_ALL_REJECTED',
      message: 'every event in the request was rejected',
      accepted,
      rejected: result.rejected,
    })
  }
  return reply.send({ success: true, accepted, rejected: result.rejected })
}

/**
 * The batch envelope. Its `sentAt` only corrects the events' clock skew: one that is not a date in
 * range is ignored, as RudderStack does, rather than refusing every event of the batch
 * (docs/events.md).
 */
function parseBatch(body: unknown) {
  const parsed = batchSchema.safeParse(body)
  if (parsed.success || !isObject(body) || !parsed.error.issues.some((i) => i.path[0] === 'sentAt'))
    return parsed
  const { sentAt: _ignored, ...rest } = body
  return batchSchema.safeParse(rest)
}

/**
 * The most bytes a batch context may amount to once copied into each of the batch's events
 * (Segment's merge): a 25 KB context over 6,000 tiny events would turn a 460 KB request into
 * 150 MB on the bus. A usual context (1–2 KB) over a full batch stays far below.
 */
export const MAX_CONTEXT_EXPANSION_BYTES = 8 * 1024 * 1024

/**
 * The most items a batch may hold. The smallest real event is ~30 bytes, so a batch under the body
 * limit (500 KB) holds fewer; 240,000 bare `0` items would each be a dead letter and a line of the
 * answer (40 MB on the bus, 19 MB back) from one 480 KB request.
 */
export const MAX_BATCH_ITEMS = 20_000

const ENVELOPE_CODES = {
  too_deep: 'SIL_BODY_TOO_DEEP',
  forbidden_key: 'SIL_BODY_FORBIDDEN_KEY',
  non_finite: 'SIL_BODY_NUMBER_OUT_OF_RANGE',
} as const

export function registerIngestRoutes(app: FastifyInstance, deps: IngestRouteDeps): void {
  const batch = async (request: FastifyRequest, reply: FastifyReply) => {
    const parsed = parseBatch(request.body)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const where = issue?.path.length ? `${issue.path.join('.')}: ${issue.message}` : 'expected an object'
      throw new CollectorError('SIL_BODY_INVALID', {
        message: `${REQUEST_ERRORS.SIL_BODY_INVALID.message} (${where})`,
      })
    }
    const source = authenticate(request, parsed.data, deps)
    // The batch's context is merged into every event: it is checked once, and a bad one refuses
    // the whole request (each event would inherit it).
    const problem = envelopeProblem(request.body as Record<string, unknown>, MAX_DEPTH)
    if (problem) throw new CollectorError(ENVELOPE_CODES[problem])
    const { context, batch: items } = parsed.data
    if (items.length > MAX_BATCH_ITEMS) throw new CollectorError('SIL_BATCH_TOO_MANY_EVENTS')
    if (
      context &&
      items.length > 1 &&
      JSON.stringify(context).length * items.length > MAX_CONTEXT_EXPANSION_BYTES
    )
      throw new CollectorError('SIL_BATCH_CONTEXT_TOO_LARGE')
    enforceRateLimit(request, source, parsed.data.batch.length, deps)
    const result = ingestItems(parsed.data.batch, {
      ...requestContext(request, source, deps),
      batchContext: parsed.data.context,
      sentAt: parsed.data.sentAt,
      maxEventBytes: deps.maxEventBytes,
    })
    await deliver(result, deps)
    return respond(result, reply)
  }
  for (const path of ['/v1/batch', '/v1/b', '/v1/import']) app.post(path, batch)

  for (const [type, short] of SINGLE_EVENT_PATHS) {
    const single = async (request: FastifyRequest, reply: FastifyReply) => {
      if (!isObject(request.body)) throw new CollectorError('SIL_BODY_INVALID')
      const source = authenticate(request, request.body, deps)
      enforceRateLimit(request, source, 1, deps)
      const result = ingestItems([request.body], {
        ...requestContext(request, source, deps),
        type,
        maxEventBytes: deps.maxEventBytes,
      })
      await deliver(result, deps)
      return respond(result, reply)
    }
    app.post(`/v1/${type}`, single)
    app.post(`/v1/${short}`, single)
  }
}
