/**
 * What a trigger forwards of an event's properties leaves Sillage, so the collector's PII key list
 * (`@sillage/identifiers`, pii-keys.ts) applies to it at any depth, not only at the top level
 * where the collector's default scrub rules reach: `billing.email`, `customer.phone`,
 * `items[].shipping_address`. Keys compare as the collector compares them (canonicalKey: case,
 * `_`, `-` and spaces ignored). A hash key's string or number becomes its identifier hash (a
 * digest is kept as is, so an already scrubbed value is unchanged); an object or array under a
 * hash key is dropped; a boolean or null is left. A drop key is removed. Never mutates. Pure.
 */
import {
  canonicalKey,
  DEFAULT_DROP_KEYS,
  DEFAULT_HASH_KEYS,
  hashPii,
  type PiiKind,
} from '@sillage/identifiers'

const HASH = new Map<string, PiiKind>(DEFAULT_HASH_KEYS.map((k) => [canonicalKey(k), k]))
const DROP: ReadonlySet<string> = new Set(DEFAULT_DROP_KEYS.map(canonicalKey))

type Dict = Record<string, unknown>
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A copy of `value` with the PII keys hashed or dropped wherever they are. */
export function scrubPayloadPii(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrubPayloadPii)
  if (!isDict(value)) return value
  const out: Dict = {}
  for (const [key, v] of Object.entries(value)) {
    const canonical = canonicalKey(key)
    if (DROP.has(canonical)) continue
    const kind = HASH.get(canonical)
    if (kind === undefined) out[key] = scrubPayloadPii(v)
    else if (typeof v === 'string' || typeof v === 'number') out[key] = hashPii(kind, String(v))
    else if (typeof v !== 'object' || v === null) out[key] = v
  }
  return out
}

/** scrubPayloadPii for a properties object. */
export const scrubProperties = (props: Dict): Dict => scrubPayloadPii(props) as Dict
