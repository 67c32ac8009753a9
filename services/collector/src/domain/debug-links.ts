/**
 * What the debugger learns about an event after it was written, by messageId: the person identity
 * stamped on it, the tracking-plan violations of an allowed event (no I/O).
 *
 * Two generations: O(1) bounded memory, and at least `capacity / 2` of the latest links kept.
 * When the current generation holds `capacity / 2` links, it becomes the previous one (the older
 * previous one is dropped) and a new one starts.
 */
export interface RecentLinks<V> {
  set(messageId: string, value: V): void
  /** The latest value linked to `messageId`, or undefined (also for an undefined id). */
  get(messageId: string | undefined): V | undefined
}

export function createRecentLinks<V>(capacity: number): RecentLinks<V> {
  let current = new Map<string, V>()
  let previous = new Map<string, V>()
  return {
    set(messageId, value) {
      if (current.size >= capacity / 2) {
        previous = current
        current = new Map()
      }
      current.set(messageId, value)
    },
    get(messageId) {
      return messageId === undefined ? undefined : (current.get(messageId) ?? previous.get(messageId))
    },
  }
}
