import { describe, expect, it } from 'vitest'
import { createDestinationLanes } from './destination-lanes.js'

/** A job that settles when the test says so. */
function gate() {
  let open!: () => void
  const opened = new Promise<void>((r) => (open = r))
  return { open, opened }
}

describe('destination lanes', () => {
  it('runs a lane one job at a time, lanes side by side, and keeps one run waiting', async () => {
    const lanes = createDestinationLanes()
    const log: string[] = []
    const stuck = gate()
    const first = lanes.once('a', async () => {
      log.push('a1')
      await stuck.opened
      return 1
    })
    // Another lane is not held by the stuck one.
    expect(await lanes.once('b', async () => (log.push('b1'), 2))).toBe(2)
    // Behind the stuck run: one waiting run, which later calls join; a notice queues behind it.
    const second = lanes.once('a', async () => (log.push('a2'), 3))
    const joined = lanes.once('a', async () => (log.push('a3'), 4))
    const notice = lanes.exclusive('a', async () => (log.push('notice'), 5))
    stuck.open()
    expect(await Promise.all([first, second, joined, notice])).toEqual([1, 3, 3, 5])
    expect(log).toEqual(['a1', 'b1', 'a2', 'notice'])
    await lanes.idle()
    // Settled: the next call starts a fresh run.
    expect(await lanes.once('a', async () => 6)).toBe(6)
  })

  it('goes on after a job that throws', async () => {
    const lanes = createDestinationLanes()
    await expect(lanes.exclusive('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(await lanes.once('a', async () => 'next')).toBe('next')
  })
})
