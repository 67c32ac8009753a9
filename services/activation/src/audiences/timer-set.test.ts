import { describe, expect, it } from 'vitest'
import { createTimerSet } from './timer-set.js'

describe('timer set', () => {
  it('holds only the pending timer of a loop that re-arms itself, however many ticks ran', async () => {
    const timers = createTimerSet()
    let ticks = 0
    await new Promise<void>((resolve) => {
      const tick = () => {
        ticks++
        if (ticks === 200) resolve()
        else timers.later(tick, 0)
      }
      timers.later(tick, 0)
    })
    expect(ticks).toBe(200)
    expect(timers.size).toBe(0)
    timers.later(() => {}, 60_000)
    expect(timers.size).toBe(1)
  })

  it('cancels the pending timers on clear', async () => {
    const timers = createTimerSet()
    let fired = false
    timers.later(() => (fired = true), 0)
    timers.clear()
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(fired).toBe(false)
    expect(timers.size).toBe(0)
  })
})
