import { z } from 'zod'

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/i

/**
 * An ISO 8601 date (`2026-03-01`, midnight UTC) or date-time (`2026-03-01T10:00:00Z`; without an
 * offset, UTC as the listings print it) as epoch ms; undefined otherwise. Stricter than
 * `Date.parse`, which reads `March 7` or `1` as dates of 2001 and rolls `2026-02-30` to March.
 */
export function parseInstant(value: string): number | undefined {
  const m = ISO.exec(value.trim())
  if (!m) return undefined
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', offset = 'Z'] = m
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)))
  // The calendar day must exist: 2026-02-30 is refused, not rolled over.
  if (
    day.getUTCFullYear() !== Number(y) ||
    day.getUTCMonth() !== Number(mo) - 1 ||
    day.getUTCDate() !== Number(d)
  ) {
    return undefined
  }
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined
  if (offset.toUpperCase() !== 'Z' && (Number(offset.slice(1, 3)) > 23 || Number(offset.slice(4)) > 59)) {
    return undefined
  }
  const at = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${frac.slice(0, 4)}${offset.toUpperCase()}`)
  return Number.isNaN(at) ? undefined : at
}

const instant = z
  .string()
  .refine(
    (v) => parseInstant(v) !== undefined,
    'not an ISO 8601 date (2026-03-01) or date-time (2026-03-01T10:00:00Z)',
  )
  .transform((v) => parseInstant(v) as number)

/** The filters of `sillage dlq`: command-line options, query parameters or body fields of /admin/dlq. */
export const dlqFilterSchema = z.object({
  source: z.string().min(1).optional(),
  code: z
    .string()
    .regex(/^SIL_[A-Z_]+$/)
    .optional(),
  since: instant.optional(),
  until: instant.optional(),
})
