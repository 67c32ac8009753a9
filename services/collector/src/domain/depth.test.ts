import { describe, expect, it } from 'vitest'
import { shapeProblem } from './depth.js'

/** `levels` objects nested inside one another (or arrays, with `array`). */
function nested(levels: number, array = false): unknown {
  let v: unknown = 'leaf'
  for (let i = 0; i < levels; i++) v = array ? [v] : { a: v }
  return v
}

describe('shapeProblem', () => {
  it.each([
    ['a flat event', { type: 'track', properties: { price: 1 } }, undefined],
    ['objects nested up to the limit', nested(4), undefined],
    ['objects nested past the limit', nested(5), 'too_deep'],
    ['arrays nested up to the limit', nested(4, true), undefined],
    ['arrays nested past the limit', nested(5, true), 'too_deep'],
    ['a deep object inside an array', { list: [1, { a: { b: { c: 1 } } }] }, 'too_deep'],
    [
      'an own __proto__ key, as JSON.parse makes it',
      JSON.parse('{"a":{"__proto__":{"x":1}}}'),
      'forbidden_key',
    ],
    ['__proto__ inside an array', JSON.parse('{"a":[{"__proto__":1}]}'), 'forbidden_key'],
    ['constructor.prototype', JSON.parse('{"constructor":{"prototype":{"x":1}}}'), 'forbidden_key'],
    ['a constructor key without prototype', { constructor: { name: 'x' }, b: 'constructor' }, undefined],
    ['a scalar', 'text', undefined],
  ])('%s', (_name, value, expected) => {
    expect(shapeProblem(value, 4)).toBe(expected)
  })

  it('stops at the limit on a hostile depth instead of overflowing the stack', () => {
    expect(shapeProblem(nested(100_000), 32)).toBe('too_deep')
    expect(shapeProblem(nested(100_000, true), 32)).toBe('too_deep')
  })
})
