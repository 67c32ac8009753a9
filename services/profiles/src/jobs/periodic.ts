import type { Logger } from '@sillage/runtime'

/** A job run every `intervalMs` after the previous run ends; runs never overlap. */
export interface PeriodicJob {
  /** One run now (tests, and the first run at start); waits for a run in flight first. */
  runOnce(): Promise<void>
  /** Resolves once the run in flight, if any, has ended (failed or not); starts none. */
  idle(): Promise<void>
  /**
   * New input is there: the next run starts sooner than a whole period after the last one: after
   * as long as the last run took (at least `pokeDelayMs`, at most the period), so that a poked job
   * runs at most about half the time and a busy machine keeps its CPU for what feeds it. Pokes in
   * between are one run.
   */
  poke(): void
  start(): void
  stop(): Promise<void>
}

export function createPeriodicJob(opts: {
  name: string
  intervalMs: number
  log: Logger
  /** Answers true when more work waits: the next run then starts at once. */
  run: () => Promise<boolean | void>
  onFailure: (err: unknown) => void
  /** How long a poke waits for more pokes (one run for a burst of inserts). Default 50 ms. */
  pokeDelayMs?: number
}): PeriodicJob {
  const pokeDelayMs = opts.pokeDelayMs ?? 50
  let timer: NodeJS.Timeout | undefined
  /** When the pending timer fires (epoch ms), while one is pending. */
  let dueAt = 0
  let running: Promise<void> = Promise.resolve()
  let inFlight = false
  let stopped = true
  let more = false
  /** A poke arrived while a run was in flight: the next one follows it sooner. */
  let poked = false
  /** When the last run ended, and how long it took (epoch ms, ms). */
  let lastEnd = 0
  let lastRunMs = 0
  /** The gap after a run when poked: as long as the run, within [pokeDelayMs, intervalMs]. */
  const pokedGap = () => Math.min(opts.intervalMs, Math.max(pokeDelayMs, lastRunMs))
  const schedule = (ms: number) => {
    if (timer) clearTimeout(timer)
    dueAt = Date.now() + ms
    timer = setTimeout(tick, ms)
  }
  const timed = async () => {
    const started = Date.now()
    try {
      more = (await opts.run()) === true
    } finally {
      lastEnd = Date.now()
      lastRunMs = lastEnd - started
    }
    opts.log.debug({ job: opts.name, ms: lastRunMs, more }, 'profiles job run')
  }
  const runOnce = (): Promise<void> => {
    running = running.then(timed, timed)
    return running
  }
  const tick = () => {
    timer = undefined
    inFlight = true
    poked = false
    runOnce()
      .catch((err: unknown) => {
        more = false
        opts.onFailure(err)
        opts.log.warn({ err, job: opts.name }, 'profiles job failed; retried at the next tick')
      })
      .finally(() => {
        inFlight = false
        if (!stopped) schedule(more ? 0 : poked ? pokedGap() : opts.intervalMs)
      })
  }
  return {
    runOnce,
    idle: () => running.catch(() => undefined),
    poke() {
      if (stopped) return
      if (inFlight) {
        poked = true
        return
      }
      const wait = Math.max(pokeDelayMs, lastEnd + pokedGap() - Date.now())
      if (timer && dueAt - Date.now() > wait) schedule(wait)
    },
    start() {
      if (!stopped) return
      stopped = false
      schedule(0)
    },
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      timer = undefined
      await running.catch(() => undefined)
    },
  }
}
