import { describe, expect, it } from 'vitest'
import { limitOf } from './recommend.js'

describe('limit parameter', () => {
  it('takes whole digits clamped to 1…max, and the default for anything else', () => {
    expect(limitOf('3', 10, 50)).toBe(3)
    expect(limitOf('0', 10, 50)).toBe(1)
    expect(limitOf('999', 10, 50)).toBe(50)
    expect(limitOf(undefined, 10, 50)).toBe(10)
    expect(limitOf(undefined, 80, 50)).toBe(50)
    for (const bad of ['abc', '2.7', '-1', '1e9', '', ' 3', ['3', '5']]) {
      expect(limitOf(bad, 10, 50), JSON.stringify(bad)).toBe(10)
    }
  })
})
