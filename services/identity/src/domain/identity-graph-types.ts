import type { IdKey, Identifier, Rank } from './identifiers.js'
import type { LinkDecision } from './merge-rules.js'

/** The identity graph's inputs, outputs and changelog records (identity-graph.ts). */

/** A login seen on a device: from `offset` of `partition` on, its anonymous events go to `person`. */
export interface Login {
  readonly partition: number
  readonly offset: number
  readonly person: string
}

export interface SourceRef {
  readonly topic: string
  readonly partition: number
  readonly offset: number
}

/** An event that carries two or more identifiers, as sent on identity.edges. */
export interface EdgeInput {
  readonly src: SourceRef
  readonly messageId: string
  readonly timestamp: string
  readonly ids: readonly Identifier[]
  /** The event's own anonymousId and userId values, when both are valid: a login. */
  readonly login?: { readonly anonymous: string; readonly user: string } | undefined
}

export interface IdentityChange {
  readonly type: string
  readonly value: string
  readonly person: string
  readonly version: number
  readonly timestamp: string
  readonly logins: readonly Login[] | undefined
}

export interface OverrideChange {
  readonly oldPersonId: string
  readonly personId: string
  readonly version: number
  readonly timestamp: string
}

export interface SourceChange {
  readonly topic: string
  readonly partition: number
  readonly offset: number
  readonly version: number
}

/** One row of identity_merges: what was decided for one link, and which event caused it. */
export interface AuditEntry {
  readonly mergeId: string
  readonly decision: 'merge' | 'attach' | 'refuse'
  readonly reason: string
  readonly personId: string
  readonly otherPersonId: string
  readonly idType: string
  readonly idValue: string
  readonly otherIdType: string
  readonly otherIdValue: string
  readonly limitType: string
  readonly messageId: string
  readonly src: SourceRef
  readonly timestamp: string
  readonly version: number
}

export interface GraphDelta {
  identities: IdentityChange[]
  overrides: OverrideChange[]
  audit: AuditEntry[]
  sources: SourceChange[]
}

export interface LinkOutcome {
  readonly a: Identifier
  readonly b: Identifier
  readonly decision: LinkDecision
}

/** Changelog values, by record kind (see messages.ts for the keys). */
export type GraphRecord =
  | { kind: 'identity'; key: IdKey; person: string; version: number; logins?: readonly Login[] | undefined }
  | { kind: 'override'; oldPersonId: string; personId: string; version: number }
  | { kind: 'source'; topic: string; partition: number; offset: number; version: number }
  /** Tombstones written by an erasure (docs/privacy.md): the graph forgets the identifier. */
  | { kind: 'identity-erased'; key: IdKey }
  | { kind: 'override-erased'; oldPersonId: string }

export interface GraphStats {
  identifiers: number
  persons: number
  overrides: number
}

/** Internal to the graph. */
export interface Ranked {
  readonly id: Identifier
  readonly key: IdKey
  readonly rank: Rank
}

/** Internal to the graph. */
export interface IdState {
  person: string
  version: number
  logins: Login[] | undefined
}
