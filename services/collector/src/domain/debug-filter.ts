/** The debugger page's filters: source, event name, user or anonymous id (no I/O). */

import type { DebugEntry } from './debug-entry.js'

export interface DebugFilter {
  sourceId?: string | undefined
  /** Case-insensitive substring of the event name (or of the type when there is no name). */
  event?: string | undefined
  /** Case-insensitive substring of the userId or the anonymousId. */
  id?: string | undefined
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
