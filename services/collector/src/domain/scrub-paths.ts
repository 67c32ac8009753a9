import { canonicalEventKey, canonicalKey, type PiiKind, type PiiVisitor } from '@sillage/identifiers'

/**
 * The scrub rules' paths (docs/privacy.md): how `properties.products.*.buyer_email` is compiled
 * into a tree and matched against an event's keys, and what kind of value its last key names. One
 * implementation for the scrubber (scrub.ts) and for the suppression check (suppress.ts), so the
 * check looks exactly where the scrubber hashes.
 *
 * Keys match in canonical form (canonicalKey: ignoring case, `_`, `-` and spaces); `*` matches any
 * key or array element, and a key of its own takes precedence over it.
 */

/** A node of a compiled path tree: one child per canonical key, `*` as `any`. */
export interface PathNode<N> {
  readonly children: Map<string, N>
  any: N | undefined
}

/** How a hashed value is normalised, from its path's last key: `workEmail`, `backup_mobile`. */
export type ValueKind = PiiKind | 'text'

export function kindOf(segment: string): ValueKind {
  const key = canonicalKey(segment)
  if (key.endsWith('email')) return 'email'
  if (key.endsWith('phone') || key.endsWith('mobile')) return 'phone'
  return 'text'
}

/** Adds a path (its segments as written) below `root`; returns the node of its last segment. */
export function addPath<N extends PathNode<N>>(root: N, segments: readonly string[], make: () => N): N {
  let node = root
  for (const segment of segments) {
    if (segment === '*') node = node.any ??= make()
    else {
      const key = canonicalKey(segment)
      let child = node.children.get(key)
      if (!child) node.children.set(key, (child = make()))
      node = child
    }
  }
  return node
}

/** Where an object's key (canonical form) leads from `node`: its own child, else `*`. */
export const childOf = <N extends PathNode<N>>(node: N, canonical: string): N | undefined =>
  node.children.get(canonical) ?? node.any

interface PiiNode extends PathNode<PiiNode> {
  kind: PiiKind | undefined
}

const newPiiNode = (): PiiNode => ({ children: new Map(), any: undefined, kind: undefined })

export type PiiPathVisitor = (event: object, visit: PiiVisitor) => void

/**
 * Visits the emails and phones (strings and numbers) an event holds at those of `paths` whose last
 * key names one (kindOf); undefined when none does. Walks only the paths' keys: an event key is
 * followed where a path leads (childOf), arrays through `*`.
 */
export function createPiiPathVisitor(paths: readonly string[]): PiiPathVisitor | undefined {
  const root = newPiiNode()
  let count = 0
  for (const path of paths) {
    const segments = path.split('.')
    const kind = kindOf(segments.at(-1) ?? '')
    if (kind === 'text') continue
    addPath(root, segments, newPiiNode).kind = kind
    count++
  }
  if (count === 0) return undefined

  // Depth is bounded by the paths' (at most 256 characters): recursion is safe.
  function walk(value: unknown, node: PiiNode, visit: PiiVisitor): void {
    if (node.kind !== undefined && (typeof value === 'string' || typeof value === 'number')) {
      visit(node.kind, value)
      return
    }
    if (typeof value !== 'object' || value === null) return
    if (Array.isArray(value)) {
      if (node.any) for (const item of value as unknown[]) walk(item, node.any, visit)
      return
    }
    const dict = value as Record<string, unknown>
    for (const key in dict) {
      const child = childOf(node, canonicalEventKey(key))
      if (child) walk(dict[key], child, visit)
    }
  }
  // The roots (properties, traits, context) are looked up directly, as the scrubber does.
  const roots = [...root.children.entries()]
  return (event, visit) => {
    for (const [key, node] of roots) walk((event as Record<string, unknown>)[key], node, visit)
  }
}
