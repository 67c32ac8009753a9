import { describe, expect, it } from 'vitest'
import { createInflightBudget } from './inflight-budget.js'

describe('in-flight budget', () => {
  it('admits work up to each limit and refuses what would exceed either', () => {
    const budget = createInflightBudget({ maxEvents: 100, maxBytes: 1000 })
    expect(budget.tryAcquire(60, 100)).toBe(true)
    expect(budget.tryAcquire(40, 100)).toBe(true)
    expect(budget.tryAcquire(1, 1)).toBe(false) // events full
    budget.release(50, 100)
    expect(budget.tryAcquire(10, 901)).toBe(false) // bytes would exceed
    expect(budget.tryAcquire(10, 800)).toBe(true)
    expect({ events: budget.events, bytes: budget.bytes }).toEqual({ events: 60, bytes: 900 })
  })

  it('admits one oversized request when nothing else is in flight, and nothing beside it', () => {
    const budget = createInflightBudget({ maxEvents: 10, maxBytes: 100 })
    expect(budget.tryAcquire(50, 5000)).toBe(true)
    expect(budget.tryAcquire(1, 1)).toBe(false)
    budget.release(50, 5000)
    expect(budget.tryAcquire(1, 1)).toBe(true)
  })

  it('admits an oversized request beside other work while below both limits, so steady load cannot starve it', () => {
    const budget = createInflightBudget({ maxEvents: 10, maxBytes: 100 })
    expect(budget.tryAcquire(5, 50)).toBe(true)
    expect(budget.tryAcquire(50, 5000)).toBe(true) // never idle under steady load: still admitted
    expect(budget.tryAcquire(1, 1)).toBe(false) // past the bound: nothing more until it drains
    expect(budget.tryAcquire(50, 5000)).toBe(false)
    budget.release(50, 5000)
    budget.release(4, 0)
    expect(budget.tryAcquire(1, 51)).toBe(false) // an ordinary request still waits for room (50 + 51 > 100)
    expect(budget.tryAcquire(1, 10)).toBe(true)
  })

  it('counts back to zero after every release', () => {
    const budget = createInflightBudget({ maxEvents: 5, maxBytes: 50 })
    for (let i = 0; i < 5; i++) expect(budget.tryAcquire(1, 10)).toBe(true)
    for (let i = 0; i < 5; i++) budget.release(1, 10)
    expect({ events: budget.events, bytes: budget.bytes }).toEqual({ events: 0, bytes: 0 })
    expect(() => budget.release(1, 1)).toThrow(RangeError)
  })

  it('refuses limits that are not positive integers', () => {
    expect(() => createInflightBudget({ maxEvents: 0, maxBytes: 10 })).toThrow(RangeError)
    expect(() => createInflightBudget({ maxEvents: 10, maxBytes: 1.5 })).toThrow(RangeError)
  })
})
