/**
 * The live event debugger's tap (no I/O): remembers the latest events this process wrote to the bus,
 * accepted (events.raw) and rejected (events.invalid, with the reason), and streams new ones to
 * the debugger pages that watch.
 *
 * Cost when nobody watches: one array slot per event (a reference to the bytes already produced);
 * nothing is decoded. Decoding happens for the backlog when a page connects, and for live events
 * while at least one page watches, within a budget of `maxLivePerSecond` (beyond it events are
 * counted as skipped and the pages are told how many).
 */

import type { Violation } from './tracking-plan.js'

export type DebugStatus = 'accepted' | 'rejected'

/** A request refused whole (nothing of it stored), as the debugger shows it. */
export interface RefusedRequest {
  /** Known once the write key matched a source. */
  sourceId?: string | undefined
  receivedAt: string
  reason: { code: string; message: string }
  /** What the request looked like; never its credentials or its body. */
  request: {
    method: string
    url: string
    contentType?: string | undefined
    contentEncoding?: string | undefined
    contentLength?: string | undefined
    userAgent?: string | undefined
  }
}

export interface DebugEntry {
  /** Increasing per process: SSE event ids, so a reconnecting page resumes after the last one. */
  seq: number
  /** 'refused': a whole request refused before any event of it was read. */
  status: DebugStatus | 'refused'
  sourceId: string
  receivedAt: string
  messageId?: string | undefined
  type?: string | undefined
  /** `event` of a track, `name` of a page or screen. */
  event?: string | undefined
  anonymousId?: string | undefined
  userId?: string | undefined
  /** Rejected events and refused requests: why. */
  reason?: { code: string; message: string } | undefined
  /** The source's tracking plan broken by it (any mode: allowed, flagged or blocked). */
  violations?: Violation[] | undefined
  /** The person identity stamped on it, once it is stored (embedded mode). */
  personId?: string | undefined
  /** The enriched event, or for a rejected one the payload as it was received. */
  payload: unknown
}

export interface DebugFilter {
  sourceId?: string | undefined
  /** Case-insensitive substring of the event name (or of the type when there is no name). */
  event?: string | undefined
  /** Case-insensitive substring of the userId or the anonymousId. */
  id?: string | undefined
}

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

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/** What the collector wrote: context.trackingPlan.violations (flag) or reason.violations (block). */
function violationsIn(holder: unknown): Violation[] | undefined {
  const list = isObject(holder) ? holder['violations'] : undefined
  return Array.isArray(list) ? (list.filter(isObject) as unknown as Violation[]) : undefined
}

/** Decodes what the collector produced; null for bytes that are not one of its records. */
export function decodeEntry(seq: number, status: DebugStatus, value: Buffer): DebugEntry | null {
  let parsed: unknown
  try {
    parsed = JSON.parse(value.toString('utf8'))
  } catch {
    return null
  }
  if (!isObject(parsed)) return null
  if (status === 'accepted') {
    const context = parsed['context']
    const violations = violationsIn(isObject(context) ? context['trackingPlan'] : undefined)
    return {
      seq,
      status,
      sourceId: str(parsed['sourceId']) ?? '',
      receivedAt: str(parsed['receivedAt']) ?? '',
      ...eventFields(parsed),
      ...(violations ? { violations } : {}),
      payload: parsed,
    }
  }
  // A dead letter (services/collector/src/domain/ingest.ts): reason, sourceId, receivedAt, payload.
  const reason = isObject(parsed['reason']) ? parsed['reason'] : {}
  const payload = parsed['payload']
  return {
    seq,
    status,
    sourceId: str(parsed['sourceId']) ?? '',
    receivedAt: str(parsed['receivedAt']) ?? '',
    ...(isObject(payload) ? eventFields(payload) : {}),
    reason: { code: str(reason['code']) ?? '', message: str(reason['message']) ?? '' },
    ...(violationsIn(reason) ? { violations: violationsIn(reason) } : {}),
    payload,
  }
}

function eventFields(e: Record<string, unknown>): Partial<DebugEntry> {
  const type = str(e['type'])
  return {
    messageId: str(e['messageId']),
    type,
    event: str(e['event']) ?? str(e['name']),
    anonymousId: str(e['anonymousId']),
    userId: str(e['userId']),
  }
}

const contains = (value: string | undefined, needle: string): boolean =>
  value !== undefined && value.toLowerCase().includes(needle)

export function matches(entry: DebugEntry, filter: DebugFilter): boolean {
  if (filter.sourceId && entry.sourceId !== filter.sourceId) return false
  if (filter.event) {
    const needle = filter.event.toLowerCase()
    if (!contains(entry.event ?? entry.type, needle)) return false
  }
  if (filter.id) {
    const needle = filter.id.toLowerCase()
    if (!contains(entry.userId, needle) && !contains(entry.anonymousId, needle)) return false
  }
  return true
}

export function createDebugTap(options: DebugTapOptions = {}): DebugTap {
  const capacity = options.capacity ?? 2000
  const maxLivePerSecond = options.maxLivePerSecond ?? 500
  const personCapacity = options.personCapacity ?? 20_000
  const now = options.now ?? Date.now

  const ring: (Slot | undefined)[] = new Array<Slot | undefined>(capacity)
  let seq = 0
  const listeners = new Set<(message: TapMessage) => void>()
  // Two generations: O(1) bounded memory, at least personCapacity/2 recent links kept.
  let persons = new Map<string, string>()
  let previousPersons = new Map<string, string>()
  let window = { startedAt: 0, decoded: 0, skipped: 0 }
  // Violations of allowed events, by messageId: two generations, like the person links.
  let violationsById = new Map<string, Violation[]>()
  let previousViolations = new Map<string, Violation[]>()

  const personOf = (messageId: string | undefined): string | undefined =>
    messageId === undefined ? undefined : (persons.get(messageId) ?? previousPersons.get(messageId))

  function entryOf(slot: Slot): DebugEntry | null {
    if (slot.decoded === undefined && slot.value)
      slot.decoded = decodeEntry(slot.seq, slot.status, slot.value)
    if (slot.decoded === undefined) return null
    const entry = slot.decoded
    // The latest link wins: a merge re-links stored rows to the surviving person.
    if (entry) {
      if (entry.violations === undefined && entry.messageId !== undefined) {
        const violations = violationsById.get(entry.messageId) ?? previousViolations.get(entry.messageId)
        if (violations) entry.violations = violations
      }
      const personId = personOf(entry.messageId)
      if (personId !== undefined) entry.personId = personId
    }
    return entry
  }

  function emit(message: TapMessage): void {
    for (const listener of listeners) listener(message)
  }

  /** The live budget, per one-second window; the skipped count is reported with the next window. */
  function admit(): boolean {
    const t = now()
    if (t - window.startedAt >= 1000) {
      if (window.skipped > 0) emit({ kind: 'skipped', count: window.skipped })
      window = { startedAt: t, decoded: 0, skipped: 0 }
    }
    if (window.decoded >= maxLivePerSecond) {
      window.skipped++
      return false
    }
    window.decoded++
    return true
  }

  return {
    get watching() {
      return listeners.size > 0
    },

    record(status, values) {
      for (const value of values) {
        const slot: Slot = { seq: ++seq, status, value }
        ring[slot.seq % capacity] = slot
        if (listeners.size === 0 || !admit()) continue
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
      if (listeners.size > 0 && admit()) emit({ kind: 'entry', entry })
    },

    violations(links) {
      for (const { messageId, violations } of links) {
        if (messageId === undefined) continue
        if (violationsById.size >= personCapacity / 2) {
          previousViolations = violationsById
          violationsById = new Map()
        }
        violationsById.set(messageId, violations)
      }
    },

    person(links) {
      for (const { messageId, personId } of links) {
        if (persons.size >= personCapacity / 2) {
          previousPersons = persons
          persons = new Map()
        }
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
