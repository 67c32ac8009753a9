import type { FailedEvent } from './errors.js'

interface Waiter {
  /** The last sequence number the waiter covers. */
  target: number
  /** Events with seq <= target not settled yet. */
  remaining: number
  failed: FailedEvent[]
  resolve: (failed: FailedEvent[]) => void
}

export interface Wait {
  /** Resolves with the failures once every covered event is settled (accepted or failed). */
  promise: Promise<FailedEvent[]>
  /** The failures so far, and stop waiting. */
  cancel(): FailedEvent[]
}

/**
 * The bookkeeping behind flush(): which waiters an accepted or failed event concerns.
 *
 * A failure is handed to every waiter that covers the event. A failure that no waiter covers (an
 * event dropped or failed between two flushes) is kept, bounded, for the next flush to report:
 * a flush never resolves as if all were well while an earlier event was lost.
 */
export class Settlements {
  private readonly waiters = new Set<Waiter>()
  private unreported: FailedEvent[] = []

  constructor(private readonly maxUnreported: number) {}

  get waiting(): number {
    return this.waiters.size
  }

  /** Waits for the `remaining` unsettled events with seq <= target. */
  wait(target: number, remaining: number): Wait {
    const failed = this.unreported
    this.unreported = []
    let waiter: Waiter | undefined
    const promise = new Promise<FailedEvent[]>((resolve) => {
      waiter = { target, remaining, failed, resolve }
    })
    const w = waiter as unknown as Waiter
    if (remaining === 0) w.resolve(failed)
    else this.waiters.add(w)
    return {
      promise,
      cancel: () => {
        this.waiters.delete(w)
        return [...w.failed]
      },
    }
  }

  settled(seq: number, failure?: FailedEvent): void {
    let reported = false
    for (const w of this.waiters) {
      if (seq > w.target) continue
      if (failure) {
        w.failed.push(failure)
        reported = true
      }
      w.remaining -= 1
      if (w.remaining === 0) {
        this.waiters.delete(w)
        w.resolve(w.failed)
      }
    }
    if (failure && !reported) {
      this.unreported.push(failure)
      // Already reported through onError; keep the newest ones for the next flush.
      if (this.unreported.length > this.maxUnreported) this.unreported.shift()
    }
  }
}
