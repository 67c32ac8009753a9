/**
 * One lane per destination and kind of work (docs/activation.md, "One destination holds back no
 * other"): the work on a lane runs one job at a time, and lanes run side by side, so a receiver
 * that hangs or asks to wait holds its own lane only.
 *
 * - `exclusive(lane, job)`: queued behind the lane's current job (an erasure notice and a
 *   delivery to the same destination never interleave).
 * - `once(lane, job)`: at most one run waiting behind the one in flight: a call while one waits
 *   joins it (a delivery run reads what is pending to the end when it starts, so two waiting runs
 *   would do the work of one), and what arrived during the run in flight is read by the next.
 */
export function createDestinationLanes() {
  const tails = new Map<string, Promise<unknown>>()
  const runs = new Map<string, Promise<unknown>>()

  /** Jobs queued or in flight per lane: the lane is dropped as its last job settles. */
  const jobs = new Map<string, number>()

  function exclusive<T>(lane: string, job: () => Promise<T>): Promise<T> {
    jobs.set(lane, (jobs.get(lane) ?? 0) + 1)
    const settled = () => {
      const left = (jobs.get(lane) ?? 1) - 1
      if (left > 0) jobs.set(lane, left)
      else {
        jobs.delete(lane)
        tails.delete(lane)
      }
    }
    const run = (tails.get(lane) ?? Promise.resolve()).then(job, job).finally(settled)
    tails.set(
      lane,
      run.then(
        () => undefined,
        () => undefined,
      ),
    )
    return run
  }

  /** `run` names what is joined (by default the lane): two kinds of run can share one lane. */
  function once<T>(lane: string, job: () => Promise<T>, run = lane): Promise<T> {
    const waiting = runs.get(run) as Promise<T> | undefined
    if (waiting) return waiting
    const queued = exclusive(lane, () => {
      runs.delete(run) // started: a later call queues the next run
      return job()
    })
    runs.set(run, queued)
    return queued
  }

  return {
    exclusive,
    once,
    /** Settles when every job started so far has (shutdown). */
    idle: async (): Promise<void> => {
      await Promise.all([...tails.values()])
    },
  }
}

export type DestinationLanes = ReturnType<typeof createDestinationLanes>
