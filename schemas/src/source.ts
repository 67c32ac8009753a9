import { z } from 'zod'

/** A source is a write key with its policy. See docs/configuration.md. */
/** Default allowance for public (browser) write keys: events per minute per client IP. */
export const BROWSER_RATE_LIMIT_PER_MINUTE = 600

/**
 * A property path of an event: `properties.…`, `traits.…` or `context.…`, segments separated by
 * dots, `*` for any key or array element. Keys match ignoring case, `_`, `-` and spaces
 * (`traits.first_name` also scrubs `traits.firstName`).
 */
export const scrubPathSchema = z
  .string()
  .max(256)
  .regex(/^(properties|traits|context)(\.[^.]+)+$/, 'a path such as properties.customer.email')

const scrubPaths = z.array(scrubPathSchema).max(500).default([])

/**
 * Per-source PII rules (docs/privacy.md). `defaults` applies the built-in rules (emails and
 * phones hashed; names, addresses and secrets dropped, in properties, traits and context.traits);
 * `keep` exempts paths from them; `drop` and `hash` add paths. Hashing is SHA-256 of the
 * normalised value, the same as identity's (a path ending in email or phone is normalised as one).
 */
export const scrubSchema = z
  .object({
    defaults: z.boolean().default(true),
    drop: scrubPaths,
    hash: scrubPaths,
    keep: scrubPaths,
    /** Calling code for national phone numbers: set it to identity's `phoneCountryCode`. */
    phoneCountryCode: z
      .string()
      .regex(/^[1-9]\d{0,3}$/, 'digits of a calling code, e.g. "33"')
      .optional(),
  })
  .default({ defaults: true, drop: [], hash: [], keep: [] })
export type ScrubRules = z.output<typeof scrubSchema>

/** What a Global Privacy Control signal withdraws by default: the CCPA's "sale or sharing". */
export const DEFAULT_GPC_OPT_OUT = ['marketing', 'sale'] as const

/**
 * The source's answer to Global Privacy Control (a `Sec-GPC: 1` request header, or
 * `context.consent.gpc: true` on an event): the consent categories it withdraws from that
 * request's events (docs/privacy.md). `[]` records the signal without acting on it.
 */
export const gpcPolicySchema = z
  .object({
    optOut: z
      .array(z.string().min(1).max(64))
      .max(32)
      .default([...DEFAULT_GPC_OPT_OUT]),
  })
  .default({ optOut: [...DEFAULT_GPC_OPT_OUT] })
export type GpcPolicy = z.output<typeof gpcPolicySchema>

/**
 * What the collector does with a track event that breaks the source's tracking plan
 * (docs/tracking-plans.md): `off` checks nothing; `allow` stores it unchanged and records the
 * violations (metrics, debugger); `flag` stores it with its violations in
 * `context.trackingPlan.violations`; `block` dead-letters it (SIL_TRACKING_PLAN_VIOLATION).
 */
export const TRACKING_PLAN_MODES = ['off', 'allow', 'flag', 'block'] as const
export type TrackingPlanMode = (typeof TRACKING_PLAN_MODES)[number]

/** A JSON Schema (draft 2020-12 or 07) for the `properties` of one track event. */
const eventPropertiesSchema = z.record(z.string(), z.unknown())

/**
 * A source's tracking plan: one JSON Schema per track event name, over the event's `properties`.
 * `defaults` starts from the built-in Segment e-commerce plan (Product Viewed, Order Completed…);
 * `events` adds event names or replaces built-in ones. Events whose name is not in the plan pass
 * unchecked. Compiled once when the collector starts.
 */
export const trackingPlanSchema = z
  .object({
    mode: z.enum(TRACKING_PLAN_MODES).default('allow'),
    defaults: z.boolean().default(true),
    events: z.record(z.string().min(1).max(200), eventPropertiesSchema).default({}),
  })
  .default({ mode: 'allow', defaults: true, events: {} })
export type TrackingPlan = z.output<typeof trackingPlanSchema>

/** A source is a write key with its policy. See docs/configuration.md. */
export const sourceSchema = z
  .object({
    id: z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/),
    writeKey: z.string().min(8).max(256),
    /**
     * Keys replaced by `sillage sources rotate`, still accepted until `expiresAt` (the grace period
     * that lets cached pages and deployed servers move to the new key).
     */
    previousWriteKeys: z
      .array(z.object({ writeKey: z.string().min(8).max(256), expiresAt: z.iso.datetime({ offset: true }) }))
      .default([]),
    type: z.enum(['browser', 'server']),
    /** Origins a browser key may be used from; "*" allows any. */
    allowedOrigins: z.array(z.string()).default([]),
    consent: z
      .object({
        /** Category an event must carry in context.consent.categories; none means no check. */
        required: z.string().optional(),
        policyVersion: z.string().optional(),
      })
      .default({}),
    /**
     * Events per minute per client IP. Defaults: browser keys 600, server keys unlimited (null).
     */
    rateLimit: z.object({ perMinute: z.number().int().positive() }).nullable().optional(),
    keepFullIp: z.boolean().default(false),
    /** Global Privacy Control: by default an opt-out of marketing and sale (docs/privacy.md). */
    gpc: gpcPolicySchema,
    /**
     * Browser sources: the collector renews the SDK's anonymous-id cookie (Set-Cookie, 13 months)
     * on the requests that carry it, against Safari's 7-day cap on script-written cookies. `domain`
     * must be the SDK's `cookieDomain` (unset: host-only).
     */
    anonymousIdCookie: z
      .object({ refresh: z.boolean().default(true), domain: z.string().optional() })
      .default({ refresh: true }),
    /** PII minimisation: what the collector drops or hashes before an event is stored. */
    scrub: scrubSchema,
    /** The events' expected shape, and what to do with one that breaks it (docs/tracking-plans.md). */
    trackingPlan: trackingPlanSchema,
  })
  .transform((s) => ({
    ...s,
    rateLimit:
      s.rateLimit !== undefined
        ? s.rateLimit
        : s.type === 'browser'
          ? { perMinute: BROWSER_RATE_LIMIT_PER_MINUTE }
          : null,
  }))
export type Source = z.output<typeof sourceSchema>

export const sourcesSchema = z.array(sourceSchema).superRefine((sources, ctx) => {
  const seen = new Set<string>()
  for (const [i, s] of sources.entries()) {
    if (seen.has(s.writeKey))
      ctx.addIssue({ code: 'custom', path: [i, 'writeKey'], message: 'duplicate writeKey' })
    seen.add(s.writeKey)
    for (const [j, previous] of s.previousWriteKeys.entries()) {
      if (seen.has(previous.writeKey))
        ctx.addIssue({ code: 'custom', path: [i, 'previousWriteKeys', j], message: 'duplicate writeKey' })
      seen.add(previous.writeKey)
    }
  }
})
