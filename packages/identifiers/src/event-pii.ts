import type { EnrichedEvent } from '@sillage/schemas'
import { hashPii as hashPiiFor } from './pii.js'
import type { IdentityRules } from './identity-rules.js'

type Dict = Record<string, unknown>
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v)

const PII_TYPES = ['email', 'phone'] as const

/** What is stored in place of an email or phone found in traits: its hash, valid or not. */
const hashPii = (rules: IdentityRules, type: 'email' | 'phone', raw: string): string =>
  hashPiiFor(type, raw, rules.phoneCountryCode)

function hashTraits(rules: IdentityRules, traits: Dict): Dict | undefined {
  let out: Dict | undefined
  for (const type of PII_TYPES) {
    const v = traits[type]
    if (typeof v !== 'string' && typeof v !== 'number') continue
    out ??= { ...traits }
    out[type] = hashPii(rules, type, String(v))
  }
  return out
}

/**
 * The event as it is stored: the emails and phones of the identifier fields (`traits`,
 * `context.traits`, `context.externalIds` of type email/phone) replaced by the SHA-256 of their
 * normalised form, the same value as in `identities`. Returns the event itself when there is
 * nothing to hash; never mutates it.
 */
export function hashEventPii(rules: IdentityRules, event: EnrichedEvent): EnrichedEvent {
  let result = event
  if ('traits' in event && isDict(event.traits)) {
    const traits = hashTraits(rules, event.traits)
    if (traits) result = { ...result, traits } as EnrichedEvent
  }
  const ctx = event.context
  if (!ctx) return result
  let context: Dict | undefined
  if (isDict(ctx['traits'])) {
    const traits = hashTraits(rules, ctx['traits'])
    if (traits) context = { ...ctx, traits }
  }
  const ext = ctx.externalIds
  if (Array.isArray(ext) && ext.some((e) => PII_TYPES.includes(e.type.trim().toLowerCase() as 'email'))) {
    context ??= { ...ctx }
    context['externalIds'] = ext.map((e) => {
      const type = e.type.trim().toLowerCase()
      return type === 'email' || type === 'phone' ? { ...e, id: hashPii(rules, type, e.id) } : e
    })
  }
  if (context) result = { ...result, context } as EnrichedEvent
  return result
}
