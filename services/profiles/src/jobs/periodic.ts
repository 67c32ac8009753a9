import type { Logger } from '@sillage/runtime'

/** A job run every `intervalMs` after the previous run ends; runs never overlap. */
export interface PeriodicJob {
  /** One run now (tests, and the first run at start); waits for a run in flight first. */
  runOnce(): Promise<void>
  /** Resolves once the run in flight, if any, has ended (failed or not); starts none. */
  idle(): Promise<void>
  /**
   * New input is there: the next run starts `pokeDelayMs` after now, or after the run in flight
   * ends, instead of a whole period after it. Pokes in between are one run.
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
  /** A poke arrived while a run was in flight: the next one follows it at once. */
  let poked = false
  const schedule = (ms: number) => {
    if (timer) clearTimeout(timer)
    dueAt = Date.now() + ms
    timer = setTimeout(tick, ms)
  }
  const timed = async () => {
    const started = Date.now()
    more = (await opts.run()) === true
    opts.log.debug({ job: opts.name, ms: Date.now() - started, more }, 'profiles job run')
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
        if (!stopped) schedule(more ? 0 : poked ? pokeDelayMs : opts.intervalMs)
      })
  }
  return {
    runOnce,
    idle: () => running.catch(() => undefined),
    poke() {
      if (stopped) return
      if (inFlight) poked = true
      else if (timer && dueAt - Date.now() > pokeDelayMs) schedule(pokeDelayMs)
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
