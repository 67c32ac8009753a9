import type { Logger } from '@sillage/runtime'

/** A job run every `intervalMs` after the previous run ends; runs never overlap. */
export interface PeriodicJob {
  /** One run now (tests, and the first run at start); waits for a run in flight first. */
  runOnce(): Promise<void>
  /** Resolves once the run in flight, if any, has ended (failed or not); starts none. */
  idle(): Promise<void>
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
}): PeriodicJob {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()
  let stopped = true
  let more = false
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
    runOnce()
      .catch((err: unknown) => {
        more = false
        opts.onFailure(err)
        opts.log.warn({ err, job: opts.name }, 'profiles job failed; retried at the next tick')
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, more ? 0 : opts.intervalMs)
      })
  }
  return {
    runOnce,
    idle: () => running.catch(() => undefined),
    start() {
      if (!stopped) return
      stopped = false
      timer = setTimeout(tick, 0)
    },
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      timer = undefined
      await running.catch(() => undefined)
    },
  }
}
