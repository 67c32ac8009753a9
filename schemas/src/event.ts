import { z } from 'zod'

/**
 * The event envelope, compatible with the Segment spec
 * (https://segment.com/docs/connections/spec/common/). Every Segment or RudderStack library
 * sends bodies that parse here unchanged.
 */

const MAX_ID = 512
const MAX_NAME = 512

/**
 * A numeric id, stored as its string. Beyond 2^53 a JSON number no longer holds an integer exactly
 * (12345678901234567890 reads as 12345678901234567000): the collector reads such ids from the raw
 * text as strings first (docs/events.md), and any left is refused rather than changed.
 */
const numericId = z
  .number()
  .finite()
  .refine((v) => Math.abs(v) <= Number.MAX_SAFE_INTEGER, {
    message: 'a numeric id beyond 2^53 cannot be kept exactly: send it as a string',
  })

/** Segment ids are strings; some libraries send numbers. Both are stored as strings. */
const id = z
  .union([z.string().max(MAX_ID), numericId])
  .transform((v) => String(v))
  .optional()
  .nullable()

const MIN_DATE_MS = 0
const MAX_DATE_MS = Date.UTC(2100, 0, 1)

/** Already in the normalised form: no need to format it again. */
const CANONICAL_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

/**
 * Epoch numbers below this are seconds (Python's `time.time()`, a Unix timestamp), above it
 * milliseconds (JavaScript's `Date.now()`): 1e11 seconds is the year 5138, 1e11 ms 1973-03-03.
 */
const EPOCH_SECONDS_BELOW = 1e11

/** The day of an ISO-8601 text, `YYYY-MM-DD` at its start. */
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})/

/** `2026-02-30`, `2026-04-31`, `2026-13-01`: a day that does not exist, which Date.parse rolls over. */
function impossibleDay(text: string): boolean {
  const m = ISO_DAY.exec(text)
  if (!m) return false
  const year = Number(m[1])
  const month = Number(m[2])
  const day = Number(m[3])
  return month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()
}

const epochMs = (n: number) => (Math.abs(n) < EPOCH_SECONDS_BELOW ? n * 1000 : n)

/**
 * ISO-8601 date-time (any offset), or epoch seconds or milliseconds (EPOCH_SECONDS_BELOW);
 * normalised to an ISO string in UTC. A day that does not exist is refused, not rolled over.
 */
export const isoDate = z.union([z.string().max(64), z.number().finite()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? epochMs(v) : impossibleDay(v) ? NaN : Date.parse(v)
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'not an ISO-8601 date-time' })
    return z.NEVER
  }
  if (ms < MIN_DATE_MS || ms > MAX_DATE_MS) {
    ctx.addIssue({ code: 'custom', message: 'date-time outside 1970-01-01..2100-01-01' })
    return z.NEVER
  }
  return typeof v === 'string' && CANONICAL_DATE.test(v) ? v : new Date(ms).toISOString()
})

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * A JSON object with any content (properties, traits, integrations). Checked in constant time and
 * passed through as is, rather than rebuilt key by key as z.record would.
 */
export const jsonObject = z.custom<Record<string, unknown>>(isPlainObject, { message: 'expected an object' })
const dict = jsonObject

export const consentSchema = z.object({
  /** Categories granted, for example ["analytics", "marketing"]. */
  categories: z.array(z.string().max(64)).max(32).optional(),
  policyVersion: z.string().max(64).optional(),
  gpc: z.boolean().optional(),
  dnt: z.boolean().optional(),
})

export const contextSchema = z.looseObject({
  consent: consentSchema.optional(),
  ip: z.string().max(64).optional(),
  userAgent: z.string().max(1024).optional(),
  locale: z.string().max(64).optional(),
  timezone: z.string().max(64).optional(),
  sessionId: z.union([z.string().max(MAX_ID), z.number()]).optional(),
  page: z
    .looseObject({
      url: z.string().max(4096).optional(),
      path: z.string().max(4096).optional(),
      referrer: z.string().max(4096).optional(),
      title: z.string().max(1024).optional(),
      search: z.string().max(4096).optional(),
    })
    .optional(),
  campaign: z
    .looseObject({
      name: z.string().max(MAX_NAME).optional(),
      source: z.string().max(MAX_NAME).optional(),
      medium: z.string().max(MAX_NAME).optional(),
      term: z.string().max(MAX_NAME).optional(),
      content: z.string().max(MAX_NAME).optional(),
    })
    .optional(),
  library: z
    .looseObject({ name: z.string().max(128).optional(), version: z.string().max(64).optional() })
    .optional(),
  externalIds: z
    .array(
      z.looseObject({
        id: z.union([z.string().max(MAX_ID), numericId]).transform(String),
        type: z.string().max(64),
      }),
    )
    .max(32)
    .optional(),
})

const common = {
  messageId: z.string().min(1).max(MAX_ID).optional(),
  anonymousId: id,
  userId: id,
  timestamp: isoDate.optional(),
  originalTimestamp: isoDate.optional(),
  sentAt: isoDate.optional(),
  context: contextSchema.optional(),
  integrations: dict.optional(),
  version: z.union([z.number(), z.string()]).optional(),
  channel: z.string().max(64).optional(),
}

export const trackSchema = z.object({
  ...common,
  type: z.literal('track'),
  event: z.string().min(1).max(MAX_NAME),
  properties: dict.optional(),
})

export const pageSchema = z.object({
  ...common,
  type: z.literal('page'),
  name: z.string().max(MAX_NAME).optional().nullable(),
  category: z.string().max(MAX_NAME).optional().nullable(),
  properties: dict.optional(),
})

export const screenSchema = z.object({
  ...common,
  type: z.literal('screen'),
  name: z.string().max(MAX_NAME).optional().nullable(),
  properties: dict.optional(),
})

export const identifySchema = z.object({
  ...common,
  type: z.literal('identify'),
  traits: dict.optional(),
})

export const groupSchema = z.object({
  ...common,
  type: z.literal('group'),
  groupId: z.union([z.string().min(1).max(MAX_ID), numericId]).transform(String),
  traits: dict.optional(),
})

export const aliasSchema = z.object({
  ...common,
  type: z.literal('alias'),
  previousId: z.union([z.string().min(1).max(MAX_ID), numericId]).transform(String),
  userId: z.union([z.string().min(1).max(MAX_ID), numericId]).transform(String),
})

export const eventSchema = z.discriminatedUnion('type', [
  trackSchema,
  pageSchema,
  screenSchema,
  identifySchema,
  groupSchema,
  aliasSchema,
])

export const EVENT_TYPES = ['track', 'page', 'screen', 'identify', 'group', 'alias'] as const
export type EventType = (typeof EVENT_TYPES)[number]

/** An event as a client sends it, after validation. */
export type SillageEvent = z.output<typeof eventSchema>
export type TrackEvent = z.output<typeof trackSchema>
export type EventInput = z.input<typeof eventSchema>
export type Consent = z.output<typeof consentSchema>
export type EventContext = z.output<typeof contextSchema>

/**
 * The batch body of `POST /v1/batch`. Items are validated one by one (a bad item must not sink
 * the good ones), so the envelope only checks that `batch` is an array.
 */
export const batchSchema = z.object({
  batch: z.array(z.unknown()),
  sentAt: isoDate.optional(),
  context: dict.optional(),
  integrations: dict.optional(),
  writeKey: z.string().optional(),
})
export type BatchBody = z.output<typeof batchSchema>

/**
 * An event as it travels on `events.raw`: validated, with the collector's enrichment.
 * `timestamp` is skew-corrected, `originalTimestamp` is what the client said.
 */
export type EnrichedEvent = SillageEvent & {
  messageId: string
  timestamp: string
  receivedAt: string
  sourceId: string
  /** The user agent parsed by the collector (context.userAgent, else the request's header). */
  ua?: ParsedUserAgent
}

export interface ParsedUserAgent {
  browser: string
  browserVersion: string
  os: string
  /** desktop | mobile | tablet | tv | bot | '' */
  deviceType: string
  bot: boolean
}
