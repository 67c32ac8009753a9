import { ANONYMOUS_ID, USER_ID, ruleOf, type IdentityRules } from '@sillage/identifiers'
import { compareRank, type Identifier, type Rank } from './identifiers.js'

/**
 * The merge decision: one pure function from the two sides of a link to what happens. It is the
 * only place the merge rules live; the identity graph applies its result, the tests table it.
 */

/** A person as the decision sees it. */
export interface PersonView {
  /** The anchor's self person: sha256 of its highest-ranked identifier. */
  readonly personId: string
  /** The rank of the person's anchor: its highest priority, and personId as the hash. */
  readonly anchor: Rank
  /** How many identifiers of each type the person holds. */
  readonly counts: ReadonlyMap<string, number>
  /** The implicit one-identifier person of an identifier never seen before. */
  readonly fresh: boolean
}

export interface LinkSide {
  readonly id: Identifier
  readonly key: string
  readonly rank: Rank
  readonly person: PersonView
}

export interface LinkInput {
  /** The identifier being linked (the lower-ranked one of the pair, by convention). */
  readonly a: LinkSide
  /** The identifier it is linked to: the top identifier of the event. */
  readonly b: LinkSide
  /**
   * `a` is the event's own anonymousId and `b` its userId: a login on the device whose partition
   * this is. Logins follow the shared-device rule and are not refused for limits.
   */
  readonly login: boolean
}

export type RefuseReason = 'two_user_ids' | 'limit_exceeded'
export type NoopReason = 'self_link' | 'already_linked'
export type AttachReason = 'new_identifier' | 'shared_device' | 'login_over_limit'
export type MergeReason = 'link' | 'login'

/** Every reason a decision records in identity_merges (noops are not recorded). */
export const DECISION_REASONS = {
  merge: ['link', 'login'],
  attach: ['new_identifier', 'shared_device', 'login_over_limit'],
  refuse: ['two_user_ids', 'limit_exceeded'],
} as const satisfies Record<string, readonly (RefuseReason | AttachReason | MergeReason)[]>

export type LinkDecision =
  | { readonly kind: 'noop'; readonly reason: NoopReason }
  | { readonly kind: 'refuse'; readonly reason: RefuseReason; readonly idType: string }
  /** Two existing persons become one: `merged` is overridden to `survivor`. */
  | {
      readonly kind: 'merge'
      readonly reason: MergeReason
      readonly survivor: string
      readonly merged: string
    }
  /**
   * One identifier joins `person`. With `from`, it moves out of that person (shared device): its
   * earlier events stay there, later ones go to `person`. Without, it is new: its singleton person
   * is overridden to `person`.
   */
  | {
      readonly kind: 'attach'
      readonly reason: AttachReason
      readonly identifier: Identifier
      readonly person: string
      readonly from?: string
    }

/** The first type whose combined count is over its limit, or undefined. user_id is checked apart. */
export function typeOverLimit(
  rules: IdentityRules,
  a: ReadonlyMap<string, number>,
  b: ReadonlyMap<string, number>,
): string | undefined {
  for (const [type, n] of a) {
    if (type === USER_ID) continue
    if (n + (b.get(type) ?? 0) > ruleOf(rules, type).limit) return type
  }
  for (const [type, n] of b) {
    if (type === USER_ID || a.has(type)) continue
    if (n > ruleOf(rules, type).limit) return type
  }
  return undefined
}

const hasUser = (p: PersonView): boolean => (p.counts.get(USER_ID) ?? 0) > 0

/** Whether `side`'s identifier may leave its person alone (it must not be its anchor). */
const movable = (side: LinkSide): boolean =>
  side.id.type === ANONYMOUS_ID && !side.person.fresh && side.rank.hash !== side.person.personId

/**
 * The merge rules:
 * 1. a link of an identifier to itself, or within one person, changes nothing;
 * 2. a person never holds two user_ids: such a link is refused, except a login, which moves the
 *    device's anonymous id to the new user (the shared-device rule);
 * 3. no person goes over a type's limit: the link is refused, except a login, which then moves
 *    the anonymous id alone;
 * 4. otherwise the person whose anchor ranks lower joins the other (merge), or, when it is the
 *    singleton of a new identifier, that identifier attaches.
 * The survivor depends only on the anchors' ranks, never on arrival order.
 */
export function decideLink(rules: IdentityRules, input: LinkInput): LinkDecision {
  const { a, b, login } = input
  if (a.key === b.key) return { kind: 'noop', reason: 'self_link' }
  if (a.person.personId === b.person.personId) return { kind: 'noop', reason: 'already_linked' }
  const aFirst = compareRank(a.person.anchor, b.person.anchor) < 0
  const survivor = aFirst ? a : b
  const absorbed = aFirst ? b : a

  if (hasUser(a.person) && hasUser(b.person)) {
    if (login && movable(a)) {
      return {
        kind: 'attach',
        reason: 'shared_device',
        identifier: a.id,
        person: b.person.personId,
        from: a.person.personId,
      }
    }
    return { kind: 'refuse', reason: 'two_user_ids', idType: USER_ID }
  }
  const over = typeOverLimit(rules, a.person.counts, b.person.counts)
  if (over !== undefined && login) {
    if (a.person.fresh)
      return { kind: 'attach', reason: 'new_identifier', identifier: a.id, person: b.person.personId }
    if (movable(a)) {
      return {
        kind: 'attach',
        reason: 'login_over_limit',
        identifier: a.id,
        person: b.person.personId,
        from: a.person.personId,
      }
    }
  }
  if (over !== undefined) return { kind: 'refuse', reason: 'limit_exceeded', idType: over }
  if (absorbed.person.fresh) {
    return {
      kind: 'attach',
      reason: 'new_identifier',
      identifier: absorbed.id,
      person: survivor.person.personId,
    }
  }
  return {
    kind: 'merge',
    reason: login ? 'login' : 'link',
    survivor: survivor.person.personId,
    merged: absorbed.person.personId,
  }
}
