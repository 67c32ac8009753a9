import { z } from 'zod'

/** A source is a write key with its policy. See docs/configuration.md. */
export const sourceSchema = z.object({
  id: z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/),
  writeKey: z.string().min(8).max(256),
  type: z.enum(['browser', 'server']),
  allowedOrigins: z.array(z.string()).default([]),
  consent: z
    .object({
      /** Consent category an event must carry in context.consent.categories; none means no check. */
      required: z.string().optional(),
      policyVersion: z.string().optional(),
    })
    .default({}),
  rateLimit: z.object({ perMinute: z.number().int().positive().default(6000) }).default({ perMinute: 6000 }),
  keepFullIp: z.boolean().default(false),
})
export type Source = z.output<typeof sourceSchema>

export const sourcesSchema = z.array(sourceSchema).superRefine((sources, ctx) => {
  const seen = new Set<string>()
  for (const [i, s] of sources.entries()) {
    if (seen.has(s.writeKey))
      ctx.addIssue({ code: 'custom', path: [i, 'writeKey'], message: 'duplicate writeKey' })
    seen.add(s.writeKey)
  }
})
