import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLogger } from '@sillage/runtime'
import { createPeriodicJob } from './periodic.js'

const log = createLogger({ level: 'silent' })

/** A job whose runs take `runMs` (fake time) and record when they started. */
function job(runMs = 0) {
  const starts: number[] = []
  const periodic = createPeriodicJob({
    name: 'test',
    intervalMs: 1000,
    pokeDelayMs: 50,
    log,
    onFailure: () => {},
    run: async () => {
      starts.push(Date.now())
      if (runMs > 0) await new Promise((r) => setTimeout(r, runMs))
    },
  })
  return { periodic, starts }
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('a periodic job poked by new input', () => {
  it('runs every period when nothing pokes it', async () => {
    const { periodic, starts } = job()
    periodic.start()
    await vi.advanceTimersByTimeAsync(2500)
    expect(starts).toEqual([0, 1000, 2000])
    await periodic.stop()
  })

  it('runs the poke delay after a poke between runs, and a burst of pokes is one run', async () => {
    const { periodic, starts } = job()
    periodic.start()
    await vi.advanceTimersByTimeAsync(100)
    for (let i = 0; i < 5; i++) periodic.poke()
    await vi.advanceTimersByTimeAsync(60)
    expect(starts).toEqual([0, 100 + 50])
    // Back to the period after it.
    await vi.advanceTimersByTimeAsync(1000)
    expect(starts).toEqual([0, 150, 1150])
    await periodic.stop()
  })

  it('a poke during a run makes the next run follow it after as long as it took, not a period', async () => {
    const { periodic, starts } = job(300)
    periodic.start()
    await vi.advanceTimersByTimeAsync(100)
    periodic.poke() // the run started at 0 is in flight until 300
    await vi.advanceTimersByTimeAsync(550)
    expect(starts).toEqual([0, 600])
    await vi.advanceTimersByTimeAsync(300) // that run ends before the stop
    await periodic.stop()
  })

  it('after a run longer than the period, a poke still waits a whole period (a busy machine)', async () => {
    const { periodic, starts } = job(1500)
    periodic.start()
    await vi.advanceTimersByTimeAsync(100)
    periodic.poke()
    await vi.advanceTimersByTimeAsync(2300) // the run ends at 1500: the next is due at 2500
    expect(starts).toEqual([0])
    await vi.advanceTimersByTimeAsync(200)
    expect(starts).toEqual([0, 2500])
    periodic.poke() // during that run too: still a period after it
    await vi.advanceTimersByTimeAsync(1500 + 800)
    expect(starts).toEqual([0, 2500])
    await vi.advanceTimersByTimeAsync(100)
    expect(starts).toEqual([0, 2500, 5000])
    await vi.advanceTimersByTimeAsync(1500)
    await periodic.stop()
  })

  it('a poke between runs waits as long as the last run took, counted from its end', async () => {
    const { periodic, starts } = job(400)
    periodic.start()
    await vi.advanceTimersByTimeAsync(500) // the run ends at 400; the next is due at 1400
    periodic.poke() // as long as the run took after its end: 800
    await vi.advanceTimersByTimeAsync(290)
    expect(starts).toEqual([0])
    await vi.advanceTimersByTimeAsync(20)
    expect(starts).toEqual([0, 800])
    await vi.advanceTimersByTimeAsync(400)
    await periodic.stop()
  })

  it('never brings a run closer than the poke delay, and a stopped job ignores pokes', async () => {
    const { periodic, starts } = job()
    periodic.start()
    await vi.advanceTimersByTimeAsync(980) // the next run is due at 1000
    periodic.poke()
    await vi.advanceTimersByTimeAsync(30)
    expect(starts).toEqual([0, 1000])
    await periodic.stop()
    periodic.poke()
    await vi.advanceTimersByTimeAsync(5000)
    expect(starts).toEqual([0, 1000])
  })
})
