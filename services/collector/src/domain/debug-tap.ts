/**
 * The live event debugger's tap (no I/O): remembers the latest events this process wrote to the bus,
 * accepted (events.raw) and rejected (events.invalid, with the reason), and streams new ones to
 * the debugger pages that watch. What an entry is and how it is decoded: debug-entry.ts; the
 * page's filters: debug-filter.ts.
 *
 * Cost when nobody watches: one array slot per event (a reference to the bytes already produced);
 * nothing is decoded. Decoding happens for the backlog when a page connects, and for live events
 * while at least one page watches, within a budget of `maxLivePerSecond` (beyond it events are
 * counted as skipped and the pages are told how many: debug-live-budget.ts).
 */

import { decodeEntry, type DebugEntry, type DebugStatus, type RefusedRequest } from './debug-entry.js'
import { matches, type DebugFilter } from './debug-filter.js'
import { createRecentLinks } from './debug-links.js'
import { createLiveBudget } from './debug-live-budget.js'
import type { Violation } from './tracking-plan.js'

export type { DebugEntry, DebugStatus, RefusedRequest } from './debug-entry.js'
export type { DebugFilter } from './debug-filter.js'

export type TapMessage =
  | { kind: 'entry'; entry: DebugEntry }
  | { kind: 'person'; messageId: string; personId: string }
  | { kind: 'skipped'; count: number }

export interface PersonLink {
  messageId: string
  personId: string
}

/** An accepted event's tracking-plan violations, which its bytes do not carry in mode allow. */
export interface ViolationLink {
  messageId?: string | undefined
  violations: Violation[]
}

export interface DebugTap {
  /** True while at least one page watches. */
  readonly watching: boolean
  /** Messages durably written to events.raw ('accepted') or events.invalid ('rejected'). */
  record(status: DebugStatus, values: readonly Buffer[]): void
  /** A request refused whole (bad body, bad key, rate limit…), shown with its reason. */
  refused(request: RefusedRequest): void
  /** Tracking-plan violations of events about to be written (shown with them). */
  violations(links: readonly ViolationLink[]): void
  /** person_id stamped by identity on stored events. */
  person(links: readonly PersonLink[]): void
  /** The latest `perSource` entries of each source matching `filter`, oldest first, after `afterSeq`. */
  recent(filter: DebugFilter, perSource: number, afterSeq?: number): DebugEntry[]
  /** Live messages; returns the unsubscribe function. */
  watch(listener: (message: TapMessage) => void): () => void
}

export interface DebugTapOptions {
  /** Events kept for the backlog (all sources together). Default 2000. */
  capacity?: number
  /** Live events decoded per second for the watching pages. Default 500. */
  maxLivePerSecond?: number
  /** person_id links kept. Default 20000. */
  personCapacity?: number
  now?: () => number
}

interface Slot {
  seq: number
  status: DebugStatus
  /** Absent for a refused request, whose entry is built at once. */
  value?: Buffer
  decoded?: DebugEntry | null
}

export function createDebugTap(options: DebugTapOptions = {}): DebugTap {
  const capacity = options.capacity ?? 2000
  const maxLivePerSecond = options.maxLivePerSecond ?? 500
  const personCapacity = options.personCapacity ?? 20_000
  const now = options.now ?? Date.now

  const ring: (Slot | undefined)[] = new Array<Slot | undefined>(capacity)
  let seq = 0
  const listeners = new Set<(message: TapMessage) => void>()
  const persons = createRecentLinks<string>(personCapacity)
  // Violations of allowed events, by messageId, kept like the person links.
  const violationsById = createRecentLinks<Violation[]>(personCapacity)

  function entryOf(slot: Slot): DebugEntry | null {
    if (slot.decoded === undefined && slot.value)
      slot.decoded = decodeEntry(slot.seq, slot.status, slot.value)
    if (slot.decoded === undefined) return null
    const entry = slot.decoded
    // The latest link wins: a merge re-links stored rows to the surviving person.
    if (entry) {
      if (entry.violations === undefined && entry.messageId !== undefined) {
        const violations = violationsById.get(entry.messageId)
        if (violations) entry.violations = violations
      }
      const personId = persons.get(entry.messageId)
      if (personId !== undefined) entry.personId = personId
    }
    return entry
  }

  function emit(message: TapMessage): void {
    for (const listener of listeners) listener(message)
  }

  const budget = createLiveBudget(maxLivePerSecond, now, (count) => emit({ kind: 'skipped', count }))

  return {
    get watching() {
      return listeners.size > 0
    },

    record(status, values) {
      for (const value of values) {
        const slot: Slot = { seq: ++seq, status, value }
        ring[slot.seq % capacity] = slot
        if (listeners.size === 0 || !budget.admit()) continue
        const entry = entryOf(slot)
        if (entry) emit({ kind: 'entry', entry })
      }
    },

    refused({ sourceId, receivedAt, reason, request }) {
      const entry: DebugEntry = {
        seq: ++seq,
        status: 'refused',
        sourceId: sourceId ?? '',
        receivedAt,
        type: 'request',
        event: `${request.method} ${request.url}`,
        reason,
        payload: request,
      }
      const slot: Slot = { seq: entry.seq, status: 'rejected', decoded: entry }
      ring[slot.seq % capacity] = slot
      if (listeners.size > 0 && budget.admit()) emit({ kind: 'entry', entry })
    },

    violations(links) {
      for (const { messageId, violations } of links) {
        if (messageId !== undefined) violationsById.set(messageId, violations)
      }
    },

    person(links) {
      for (const { messageId, personId } of links) {
        persons.set(messageId, personId)
        if (listeners.size > 0) emit({ kind: 'person', messageId, personId })
      }
    },

    recent(filter, perSource, afterSeq = 0) {
      const perSourceCount = new Map<string, number>()
      const out: DebugEntry[] = []
      // Newest first, so that each source keeps its latest `perSource`.
      for (let s = seq; s > Math.max(0, seq - capacity) && s > afterSeq; s--) {
        const slot = ring[s % capacity]
        if (!slot || slot.seq !== s) continue
        const entry = entryOf(slot)
        if (!entry || !matches(entry, filter)) continue
        const n = perSourceCount.get(entry.sourceId) ?? 0
        if (n >= perSource) continue
        perSourceCount.set(entry.sourceId, n + 1)
        out.push(entry)
      }
      return out.reverse()
    },

    watch(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
  }
}
