import { z } from 'zod'

/** A source is a write key with its policy. See docs/configuration.md. */
/** Default allowance for public (browser) write keys: events per minute per client IP. */
export const BROWSER_RATE_LIMIT_PER_MINUTE = 600

/** A source is a write key with its policy. See docs/configuration.md. */
export const sourceSchema = z
  .object({
    id: z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/),
    writeKey: z.string().min(8).max(256),
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
  }
})
