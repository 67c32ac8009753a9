import { z } from 'zod'

/**
 * Identity rules: which identifier types exist, their priority (the anchor of a person is its
 * highest-priority identifier) and how many of each one person may hold. Parsed once, frozen.
 */

export const BUILT_IN_TYPES = [
  'user_id',
  'email',
  'phone',
  'loyalty_card',
  'device_id',
  'anonymous_id',
] as const
export type BuiltInType = (typeof BUILT_IN_TYPES)[number]

/** The reassignable type of the shared-device rule: it is keyed on its own partition. */
export const ANONYMOUS_ID = 'anonymous_id'
export const USER_ID = 'user_id'

/** Identifier type names: lower-case, so that `externalIds` types are unambiguous in keys. */
export const TYPE_NAME = /^[a-z][a-z0-9_]{0,63}$/

/**
 * Values that are never identifiers (compared trimmed, lower-cased, without surrounding quotes):
 * what buggy integrations send when they have no id. It holds every value of PostHog's deny-list
 * of illegal distinct ids, plus serialisations of "nothing" from other runtimes (`{}`, `[]`, C's
 * `(null)`, Go's `<nil>`). Values made only of zeroes and dashes are blocked too
 * (ZEROES_AND_DASHES). docs/identity.md lists them and why.
 */
export const DEFAULT_BLOCKED_VALUES = [
  '',
  'null',
  'undefined',
  'none',
  'nil',
  'nan',
  'anonymous',
  'anon',
  'guest',
  'unknown',
  'n/a',
  'na',
  '0',
  '-1',
  'true',
  'false',
  '[object object]',
  'id',
  'user_id',
  'userid',
  'anonymous_id',
  'anonymousid',
  'distinct_id',
  'distinctid',
  'not_authenticated',
  'email',
  '00000000-0000-0000-0000-000000000000',
  '{}',
  '[]',
  '(null)',
  '<nil>',
] as const

/**
 * Zeroes and dashes only (`000000`, `-`, `--`, `0-0`, the nil UUID): placeholders of ids, cards and
 * phone numbers in forms and CSV exports. Segment recommends blocking them ("zeroes and dashes").
 */
export const ZEROES_AND_DASHES = /^[0-]+$/

export interface TypeRule {
  /** Higher wins: the anchor of a person is its identifier of highest priority. */
  readonly priority: number
  /** How many identifiers of this type one person may hold. */
  readonly limit: number
}

export interface IdentityRules {
  readonly types: Readonly<Record<string, TypeRule>>
  /** For `context.externalIds` types not listed in `priority`. */
  readonly external: TypeRule
  readonly blockedValues: ReadonlySet<string>
  /** Calling code (digits) that replaces the trunk `0` of national phone numbers, e.g. "33". */
  readonly phoneCountryCode: string | undefined
}

const typeName = z.string().regex(TYPE_NAME, 'identifier types are lower-case letters, digits and _')

/** A telephone calling code as `phoneCountryCode` takes it: 1 to 4 digits, not starting with 0 ("33"). */
export const CALLING_CODE = /^[1-9]\d{0,3}$/

/** What operators write (SILLAGE_IDENTITY_RULES, or the `rules` option): every field optional. */
export const identityRulesInputSchema = z
  .object({
    /**
     * Types from highest to lowest priority. Must start with user_id and list every built-in type;
     * may list external types. Unlisted external types rank just above device_id.
     */
    priority: z.array(typeName).min(BUILT_IN_TYPES.length).optional(),
    /** Per-type limits; `external` is the default of unlisted external types. user_id is always 1. */
    limits: z.record(z.string(), z.number().int().min(1).max(100_000)).optional(),
    /** Extra blocked values (compared trimmed and lower-cased). */
    blockedValues: z.array(z.string().max(512)).max(10_000).optional(),
    phoneCountryCode: z.string().regex(CALLING_CODE, 'digits of a calling code, e.g. "33"').optional(),
  })
  .strict()

export type IdentityRulesInput = z.input<typeof identityRulesInputSchema>

const DEFAULT_PRIORITY: readonly string[] = BUILT_IN_TYPES
const DEFAULT_LIMITS: Readonly<Record<string, number>> = {
  user_id: 1,
  email: 5,
  phone: 5,
  loyalty_card: 5,
  device_id: 20,
  anonymous_id: 1000,
  external: 10,
}

export class IdentityRulesError extends Error {
  readonly code = 'SIL_IDENTITY_RULES_INVALID'
  constructor(readonly problems: string[]) {
    super(`invalid identity rules:\n  ${problems.join('\n  ')}`)
    this.name = 'IdentityRulesError'
  }
}

/** Validates and freezes the rules; every problem is reported at once. */
export function createIdentityRules(input: IdentityRulesInput = {}): IdentityRules {
  const parsed = identityRulesInputSchema.safeParse(input)
  if (!parsed.success) {
    throw new IdentityRulesError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(rules)'}: ${i.message}`),
    )
  }
  const { priority = DEFAULT_PRIORITY, limits = {}, blockedValues = [], phoneCountryCode } = parsed.data
  const problems: string[] = []
  if (priority[0] !== USER_ID)
    problems.push('priority: user_id must come first (it anchors every person that has one)')
  for (const t of BUILT_IN_TYPES)
    if (!priority.includes(t)) problems.push(`priority: missing built-in type ${t}`)
  if (new Set(priority).size !== priority.length) problems.push('priority: a type is listed twice')
  if (limits['user_id'] !== undefined && limits['user_id'] !== 1) problems.push('limits.user_id: must be 1')
  for (const t of Object.keys(limits)) {
    if (t !== 'external' && !TYPE_NAME.test(t)) problems.push(`limits.${t}: not an identifier type`)
  }
  if (problems.length > 0) throw new IdentityRulesError(problems)

  const types: Record<string, TypeRule> = {}
  priority.forEach((t, i) => {
    types[t] = Object.freeze({
      priority: (priority.length - i) * 10,
      limit: limits[t] ?? DEFAULT_LIMITS[t] ?? limits['external'] ?? DEFAULT_LIMITS['external']!,
    })
  })
  const external = Object.freeze({
    priority: types['device_id']!.priority + 5,
    limit: limits['external'] ?? DEFAULT_LIMITS['external']!,
  })
  const blocked = new Set<string>(DEFAULT_BLOCKED_VALUES)
  for (const v of blockedValues) blocked.add(v.trim().toLowerCase())
  return Object.freeze({
    types: Object.freeze(types),
    external,
    blockedValues: blocked,
    phoneCountryCode,
  })
}

/** JSON text (SILLAGE_IDENTITY_RULES) to rules; for the config.ts of each composition root. */
export function parseIdentityRules(json: string | undefined): IdentityRules {
  if (json === undefined || json.trim() === '') return createIdentityRules()
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch (err) {
    throw new IdentityRulesError([`not JSON: ${(err as Error).message}`])
  }
  return createIdentityRules(value as IdentityRulesInput)
}

export function ruleOf(rules: IdentityRules, type: string): TypeRule {
  return rules.types[type] ?? rules.external
}
