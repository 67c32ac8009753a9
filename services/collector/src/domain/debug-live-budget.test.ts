import { describe, expect, it } from 'vitest'
import { createLiveBudget } from './debug-live-budget.js'

describe('debugger live budget', () => {
  it('admits maxPerSecond per one-second window, and reports the skipped count when the next opens', () => {
    let t = 10_000
    const reported: number[] = []
    const budget = createLiveBudget(
      2,
      () => t,
      (count) => reported.push(count),
    )
    expect([budget.admit(), budget.admit(), budget.admit(), budget.admit()]).toEqual([
      true,
      true,
      false,
      false,
    ])
    t += 999
    expect(budget.admit()).toBe(false)
    expect(reported).toEqual([])
    t += 1
    expect(budget.admit()).toBe(true)
    expect(reported).toEqual([3])
    t += 1000
    expect(budget.admit()).toBe(true)
    expect(reported).toEqual([3])
  })
})
