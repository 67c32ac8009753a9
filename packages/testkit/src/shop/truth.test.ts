import { describe, expect, it } from 'vitest'
import { auc, ntile, segmentOf, windowFunnel } from './truth.js'

describe('ground-truth helpers', () => {
  it('ntile gives the first buckets one row more, as SQL does', () => {
    expect(Array.from({ length: 7 }, (_, i) => ntile(3, 7, i))).toEqual([1, 1, 1, 2, 2, 3, 3])
    expect(Array.from({ length: 3 }, (_, i) => ntile(5, 3, i))).toEqual([1, 2, 3])
    expect(Array.from({ length: 10 }, (_, i) => ntile(5, 10, i))).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
  })

  it('maps every score pair to one documented segment', () => {
    expect(segmentOf(5, 5)).toBe('champions')
    expect(segmentOf(3, 3)).toBe('loyal')
    expect(segmentOf(5, 1)).toBe('promising')
    expect(segmentOf(3, 2)).toBe('need_attention')
    expect(segmentOf(1, 5)).toBe('at_risk')
    expect(segmentOf(2, 1)).toBe('hibernating')
    expect(segmentOf(1, 1)).toBe('dormant')
  })

  it('windowFunnel follows chains in order within the window of their first step', () => {
    expect(
      windowFunnel(10, 3, [
        [0, 0],
        [5, 1],
        [9, 2],
      ]),
    ).toBe(3)
    expect(
      windowFunnel(10, 3, [
        [0, 0],
        [5, 1],
        [11, 2],
      ]),
    ).toBe(2)
    expect(
      windowFunnel(10, 3, [
        [0, 1],
        [1, 0],
        [2, 2],
      ]),
    ).toBe(1)
    expect(
      windowFunnel(10, 3, [
        [0, 0],
        [20, 0],
        [25, 1],
        [29, 2],
      ]),
    ).toBe(3)
    expect(windowFunnel(10, 3, [[3, -1]])).toBe(0)
  })

  it('auc is the Mann–Whitney statistic, ties counting one half', () => {
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75)
    expect(auc([0.5, 0.5], [0, 1])).toBe(0.5)
    expect(auc([1, 2], [1, 1])).toBeNaN()
  })
})
