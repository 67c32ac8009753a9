/** A pending timer. */
export interface TimerHandle {
  cancel(): void
}

/**
 * Time, injected so that unit tests drive batching and back-off with a fake clock instead of
 * waiting. Timers hold the process open: a script that tracks and then ends still delivers.
 */
export interface Clock {
  now(): number
  setTimer(fn: () => void, ms: number): TimerHandle
  /** A number in [0, 1), for jitter. */
  random(): number
}

export const systemClock: Clock = {
  now: () => Date.now(),
  random: () => Math.random(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms)
    return { cancel: () => clearTimeout(t) }
  },
}
