import type { EnrichedEvent } from '@sillage/schemas'
import { extractIdentifiers, isLogin, type ExtractedIdentity } from './extract-identifiers.js'
import type { IdKey } from './identifiers.js'
import type { EdgeInput, Login } from './identity-graph.js'
import type { IdentityRules } from '@sillage/identifiers'

/**
 * The instance side of stitching, within the partitions it consumes: stamps each event with the
 * best person it knows, and decides which events must go to the resolver as edges.
 *
 * What it knows: the changelog view (every resolver decision so far, possibly a little behind)
 * and, per partition, the logins it processed itself (a device's login is decided here, in the
 * device's own partition, in order: the shared-device rule needs nothing else). A batch is a
 * transaction: its logins are kept only when the batch is committed, so a redelivered batch is
 * stamped exactly as the first time.
 */

/** The read side of the identity graph that stamping needs. */
export interface IdentityView {
  personOf(key: IdKey): string | undefined
  loginsOf(key: IdKey): readonly Login[] | undefined
}

export interface Stitched {
  /** The person stamped on the event: '' when the event has no valid identifier. */
  personId: string
  /** Present when the event may change the identity graph: sent to identity.edges. */
  edge: EdgeInput | undefined
  identity: ExtractedIdentity
}

export interface StitchScope {
  stitch(event: EnrichedEvent, offset: number): Stitched
  /** Keeps the batch's logins (call only once its events are stored). */
  commit(): void
}

interface LocalLogin {
  person: string
  offset: number
}

/** Above this many local logins in one partition, those the view already has are dropped. */
const OVERLAY_PRUNE_AT = 50_000
const BEFORE_FIRST_LOGIN = Symbol('before-first-login')

/**
 * The person of a device's anonymous events at `offset`, from its logins in `partition`: the
 * last login before it; BEFORE_FIRST_LOGIN when every login is later (a redelivered batch whose
 * effects the view already shows); undefined when there is none.
 */
export function loginAsOf(
  logins: readonly Login[] | undefined,
  partition: number,
  offset: number,
): string | typeof BEFORE_FIRST_LOGIN | undefined {
  if (!logins) return undefined
  let best: Login | undefined
  let later = false
  for (const l of logins) {
    if (l.partition !== partition) continue
    if (l.offset < offset) {
      if (!best || l.offset > best.offset) best = l
    } else {
      later = true
    }
  }
  if (best) return best.person
  return later ? BEFORE_FIRST_LOGIN : undefined
}

export function createStitcher(rules: IdentityRules, view: IdentityView) {
  const overlays = new Map<number, Map<IdKey, LocalLogin>>()
  const overlayOf = (partition: number): Map<IdKey, LocalLogin> => {
    let o = overlays.get(partition)
    if (!o) overlays.set(partition, (o = new Map()))
    return o
  }

  /** The local login, unless the view has caught up with it (then the view answers as of). */
  function localLogin(partition: number, key: IdKey): LocalLogin | undefined {
    const overlay = overlayOf(partition)
    const local = overlay.get(key)
    if (!local) return undefined
    const logins = view.loginsOf(key)
    if (logins?.some((l) => l.partition === partition && l.offset >= local.offset)) {
      overlay.delete(key)
      return undefined
    }
    return local
  }

  function prune(partition: number): void {
    const overlay = overlayOf(partition)
    if (overlay.size < OVERLAY_PRUNE_AT) return
    for (const key of [...overlay.keys()]) localLogin(partition, key)
  }

  return {
    /** Forgets what this instance learnt in `partition`: another instance may have consumed it since. */
    reset(partition: number): void {
      overlays.delete(partition)
    },

    begin(topic: string, partition: number): StitchScope {
      const pending = new Map<IdKey, LocalLogin>()
      const deviceLogin = (key: IdKey): LocalLogin | undefined =>
        pending.get(key) ?? localLogin(partition, key)

      function stamp(x: ExtractedIdentity, offset: number): string {
        if (x.user) return x.user.rank.hash
        if (x.anonymous) {
          const local = deviceLogin(x.anonymous.key)
          if (local) return local.person
          const asOf = loginAsOf(view.loginsOf(x.anonymous.key), partition, offset)
          if (asOf === BEFORE_FIRST_LOGIN) return x.anonymous.rank.hash
          if (asOf !== undefined) return asOf
        }
        for (const r of x.ids) {
          const p = view.personOf(r.key)
          if (p !== undefined) return p
        }
        return x.ids[0]?.rank.hash ?? ''
      }

      /** False only when every identifier is already known to be in one person. */
      function needsEdge(x: ExtractedIdentity): boolean {
        if (x.ids.length < 2) return false
        let person: string | undefined
        for (const r of x.ids) {
          const p =
            r === x.user
              ? r.rank.hash
              : r === x.anonymous
                ? (deviceLogin(r.key)?.person ?? view.personOf(r.key))
                : view.personOf(r.key)
          if (p === undefined || (person !== undefined && p !== person)) return true
          person = p
        }
        return false
      }

      return {
        stitch(event, offset) {
          const x = extractIdentifiers(rules, event)
          const personId = stamp(x, offset)
          const login = isLogin(x) ? { anonymous: x.anonymous!.id.value, user: x.user!.id.value } : undefined
          const edge: EdgeInput | undefined = needsEdge(x)
            ? {
                src: { topic, partition, offset },
                messageId: event.messageId,
                timestamp: event.timestamp,
                ids: x.ids.map((r) => r.id),
                login,
              }
            : undefined
          if (login) pending.set(x.anonymous!.key, { person: x.user!.rank.hash, offset })
          return { personId, edge, identity: x }
        },
        commit() {
          const overlay = overlayOf(partition)
          for (const [key, value] of pending) overlay.set(key, value)
          pending.clear()
          prune(partition)
        },
      }
    },
  }
}

export type Stitcher = ReturnType<typeof createStitcher>
