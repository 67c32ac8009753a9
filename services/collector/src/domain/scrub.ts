import type { ScrubRules, Source } from '@sillage/schemas'
import {
  canonicalEventKey,
  canonicalKey,
  DEFAULT_DROP_KEYS,
  DEFAULT_HASH_KEYS,
  DEFAULT_TRAIT_ONLY_DROP_KEYS,
  hashPii,
  hashValue,
} from '@sillage/identifiers'
import { addPath, childOf, kindOf, type PathNode, type ValueKind } from './scrub-paths.js'

/**
 * PII minimisation (docs/privacy.md): per-source rules that drop or hash property paths before an
 * event is stored. Rules are compiled once per source into a tree; scrubbing an event walks only
 * the keys the event has under a rule's root.
 *
 * Keys match ignoring case, `_`, `-` and spaces, so `first_name` also covers `firstName`.
 * The default keys (DEFAULT_HASH_KEYS, DEFAULT_DROP_KEYS) apply at any depth under their roots
 * (`properties.billing.first_name`, `traits.contacts[].email`); `name` at the top of traits only
 * (`traits.company.name` is a company's). A `keep` path exempts that path and what it holds.
 * Hashing is identity's: a key ending in email or phone is normalised as one and SHA-256-hashed
 * (a digest is kept as is), so a hashed email still joins its person; any other value is hashed as
 * text. Hashed strings and numbers become 64 hex characters; objects and arrays at a hashed path
 * are dropped; booleans and null are left alone.
 */

type Action = 'drop' | 'hash'

/** Where the defaults apply: every root that carries a person's own attributes. */
const DEFAULT_ROOTS = ['properties', 'traits', 'context.traits'] as const

// The key lists and canonicalKey live in @sillage/identifiers (pii-keys.ts), shared with activation.
export { DEFAULT_HASH_KEYS, DEFAULT_DROP_KEYS, DEFAULT_TRAIT_ONLY_DROP_KEYS, canonicalKey }

/** The built-in rules as paths, in the form sources write them. */
export function defaultScrubRules(): Array<{ path: string; action: Action }> {
  const rules: Array<{ path: string; action: Action }> = []
  for (const root of DEFAULT_ROOTS) {
    for (const key of DEFAULT_HASH_KEYS) rules.push({ path: `${root}.${key}`, action: 'hash' })
    for (const key of DEFAULT_DROP_KEYS) rules.push({ path: `${root}.${key}`, action: 'drop' })
  }
  for (const root of ['traits', 'context.traits']) {
    for (const key of DEFAULT_TRAIT_ONLY_DROP_KEYS) rules.push({ path: `${root}.${key}`, action: 'drop' })
  }
  return rules
}

/** A node of the rule tree (paths compiled and matched by scrub-paths.ts). */
interface RuleNode extends PathNode<RuleNode> {
  action: Action | undefined
  /** For hashes: how the value is normalised, from the last path segment. */
  kind: ValueKind
  /** On a default root: the default keys' rules, applied at every depth below it. */
  deep?: Map<string, RuleNode>
}

const newNode = (): RuleNode => ({ children: new Map(), any: undefined, action: undefined, kind: 'text' })

export type Scrubber = (event: object) => void

const noop: Scrubber = () => {}

type Deep = Map<string, RuleNode> | undefined
/** A node with no rule of its own: below a default root, it walks on with the deep rules. */
const EMPTY: RuleNode = Object.freeze({
  children: new Map(),
  any: undefined,
  action: undefined,
  kind: 'text',
}) as RuleNode

/** The default keys' rules, in force at every depth below a default root. */
function deepDefaults(): Map<string, RuleNode> {
  const deep = new Map<string, RuleNode>()
  for (const key of DEFAULT_HASH_KEYS)
    deep.set(canonicalKey(key), { ...newNode(), action: 'hash', kind: kindOf(key) })
  for (const key of DEFAULT_DROP_KEYS) deep.set(canonicalKey(key), { ...newNode(), action: 'drop' })
  return deep
}

type Dict = Record<string, unknown>
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Compiles a source's rules; with nothing to do, returns a no-op. */
export function createScrubber(rules: ScrubRules): Scrubber {
  const keep = new Set(rules.keep.map((p) => p.split('.').map(canonicalKey).join('.')))
  const all: Array<{ path: string; action: Action }> = []
  if (rules.defaults) all.push(...defaultScrubRules())
  all.push(...rules.hash.map((path) => ({ path, action: 'hash' as const })))
  all.push(...rules.drop.map((path) => ({ path, action: 'drop' as const })))

  const root = newNode()
  let count = 0
  for (const { path, action } of all) {
    const segments = path.split('.')
    if (keep.has(segments.map(canonicalKey).join('.'))) continue
    const node = addPath(root, segments, newNode)
    // Later rules win: explicit hash over a default drop, explicit drop over everything.
    node.action = action
    node.kind = kindOf(segments.at(-1) ?? '')
    count++
  }
  if (rules.defaults) {
    for (const path of DEFAULT_ROOTS) addPath(root, path.split('.'), newNode).deep = deepDefaults()
  }
  if (count === 0) return noop
  const countryCode = rules.phoneCountryCode
  /** Whether a deep default rule is exempted at this canonical path (`keep`). */
  const kept = (path: string) => keep.size > 0 && keep.has(path)

  /** Applies `node` to container[key]; false when the entry is to be removed. */
  function apply(
    container: Dict | unknown[],
    key: string | number,
    node: RuleNode,
    deep: Deep,
    path: string,
  ) {
    const value = (container as Dict)[key as string]
    if (node.action === 'drop') return false
    if (node.action === 'hash') {
      if (typeof value === 'string' || typeof value === 'number') {
        const text = String(value)
        ;(container as Dict)[key as string] =
          node.kind === 'text' ? hashValue(text) : hashPii(node.kind, text, countryCode)
        return true
      }
      return !(typeof value === 'object' && value !== null)
    }
    walk(value, node, deep, path)
    return true
  }

  /**
   * The fast path below a default root where no source rule and no `keep` reaches: only the deep
   * rules, primitives skipped without a call (most of an event: products, pages, plain values).
   */
  function walkDeep(value: object, deep: Map<string, RuleNode>): void {
    if (Array.isArray(value)) {
      for (const item of value as unknown[])
        if (typeof item === 'object' && item !== null) walkDeep(item, deep)
      return
    }
    const dict = value as Dict
    for (const key in dict) {
      const item = dict[key]
      const rule = deep.get(canonicalEventKey(key))
      if (rule !== undefined) {
        if (!apply(dict, key, rule, deep, '')) delete dict[key]
      } else if (typeof item === 'object' && item !== null) walkDeep(item, deep)
    }
  }

  /** `deep`: the default rules in force below a default root; `path`: canonical, for `keep`. */
  function walk(value: unknown, node: RuleNode, inherited: Deep, path: string): void {
    const deep = node.deep ?? inherited
    if (deep && node === EMPTY && keep.size === 0) {
      if (typeof value === 'object' && value !== null) walkDeep(value, deep)
      return
    }
    if (Array.isArray(value)) {
      const child = node.any ?? (deep && EMPTY)
      if (!child) return
      const at = keep.size > 0 ? `${path}.*` : path
      let left = 0
      for (let i = 0; i < value.length; i++) if (apply(value, i, child, deep, at)) value[left++] = value[i]
      value.length = left
      return
    }
    if (!isDict(value)) return
    for (const key of Object.keys(value)) {
      const canonical = canonicalEventKey(key)
      const at = keep.size > 0 ? `${path}.${canonical}` : path
      let child = childOf(node, canonical)
      if (!child && deep) {
        const rule = deep.get(canonical)
        if (rule === undefined) {
          const item = value[key]
          if (typeof item !== 'object' || item === null) continue
          child = EMPTY
        } else if (!kept(at)) child = rule // a kept path stays as sent, with everything below it
      }
      if (child && !apply(value, key, child, deep, at)) delete value[key]
    }
  }

  // The roots (properties, traits, context) are looked up directly, not by walking the event.
  const roots = [...root.children.entries()]
  return (event) => {
    for (const [key, node] of roots) {
      const value = (event as Dict)[key]
      if (typeof value === 'object' && value !== null) walk(value, node, undefined, key)
    }
  }
}

/** One scrubber per source, compiled at first use. */
export function createScrubberIndex(): (source: Source) => Scrubber {
  const cache = new WeakMap<Source, Scrubber>()
  return (source) => {
    let scrubber = cache.get(source)
    if (!scrubber) cache.set(source, (scrubber = createScrubber(source.scrub)))
    return scrubber
  }
}
