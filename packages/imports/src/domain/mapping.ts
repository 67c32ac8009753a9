import { z } from 'zod'

export const IMPORT_KINDS = ['receipts', 'crm', 'catalogue'] as const
export type ImportKind = (typeof IMPORT_KINDS)[number]

/** The logical fields each kind reads; `columns` maps them to the file's column names. */
export const FIELDS: Readonly<Record<ImportKind, readonly string[]>> = {
  receipts: [
    'receipt_id',
    'store_id',
    'timestamp',
    'customer_id',
    'loyalty_card',
    'email',
    'phone',
    'items',
    'total',
    'tax',
    'discount',
    'currency',
  ],
  crm: [
    'customer_id',
    'email',
    'phone',
    'loyalty_card',
    'first_name',
    'last_name',
    'city',
    'country',
    'created_at',
    'updated_at',
    'policy_version',
  ],
  catalogue: ['product_id', 'sku', 'name', 'category', 'brand', 'price', 'currency', 'url', 'image_url'],
}

/** Fields a row must have (else it is refused with SIL_IMPORT_FIELD_MISSING). */
export const REQUIRED: Readonly<Record<ImportKind, readonly string[]>> = {
  receipts: ['receipt_id', 'store_id', 'timestamp', 'total'],
  crm: ['customer_id'],
  catalogue: ['product_id', 'name'],
}

const columnName = z.string().min(1).max(256)

export const mappingSchema = z
  .object({
    kind: z.enum(IMPORT_KINDS).optional(),
    /** Event name (receipts): default `Order Completed`. */
    event: z.string().min(1).max(200).optional(),
    /** context.channel of the events (receipts): default `store`. */
    channel: z.string().min(1).max(64).optional(),
    /** Logical field → column of the file. Unlisted fields are read from a column of the same name. */
    columns: z.record(z.string(), columnName).default({}),
    /** Extra event properties (receipts, catalogue): property name → column. */
    properties: z.record(z.string(), columnName).default({}),
    /** Extra traits (CRM): trait name → column. */
    traits: z.record(z.string(), columnName).default({}),
    /** CRM consent: category → the column holding the flag and (optionally) the date it was given. */
    consent: z
      .record(
        z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
        z.object({ granted: columnName, at: columnName.optional() }),
      )
      .optional(),
    /** Values used when a column is empty, e.g. `{ "currency": "EUR" }`. */
    defaults: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
  })
  .strict()

export type Mapping = z.output<typeof mappingSchema>
export type MappingInput = z.input<typeof mappingSchema>
export type ResolvedMapping = Readonly<Omit<Mapping, 'kind'> & { kind: ImportKind }>

/** The built-in consent columns of a CRM file (docs/imports.md). */
export const DEFAULT_CONSENT: NonNullable<Mapping['consent']> = {
  marketing: { granted: 'consent_marketing', at: 'consent_marketing_at' },
  analytics: { granted: 'consent_analytics', at: 'consent_analytics_at' },
}

export class MappingError extends Error {
  readonly code = 'SIL_IMPORT_MAPPING_INVALID'
  constructor(readonly problems: string[]) {
    super(`invalid import mapping:\n  ${problems.join('\n  ')}`)
    this.name = 'MappingError'
  }
}

/** The built-in mapping of `kind`, overridden by a mapping file's content when one is given. */
export function resolveMapping(kind: ImportKind, input: unknown = {}): ResolvedMapping {
  const parsed = mappingSchema.safeParse(input)
  if (!parsed.success) {
    throw new MappingError(parsed.error.issues.map((i) => `${i.path.join('.') || '(mapping)'}: ${i.message}`))
  }
  const m = parsed.data
  const problems: string[] = []
  if (m.kind !== undefined && m.kind !== kind)
    problems.push(`kind: the mapping is for ${m.kind}, not ${kind}`)
  for (const field of Object.keys(m.columns)) {
    if (!FIELDS[kind].includes(field))
      problems.push(`columns.${field}: not a field of ${kind} (${FIELDS[kind].join(', ')})`)
  }
  if (problems.length > 0) throw new MappingError(problems)
  return Object.freeze({
    ...m,
    kind,
    consent: kind === 'crm' ? (m.consent ?? DEFAULT_CONSENT) : undefined,
  })
}

/** The file column a logical field is read from. */
export const columnOf = (m: ResolvedMapping, field: string): string => m.columns[field] ?? field
