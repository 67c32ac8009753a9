import { z } from 'zod'

const instant = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), 'not a date')
  .transform((v) => Date.parse(v))

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
