import { describe, expect, it } from 'vitest'
import { envelopeProblem, shapeProblem, truncateDepth } from './depth.js'

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
    ['a constructor key, whatever its value', JSON.parse('{"p":{"constructor":"x"}}'), 'forbidden_key'],
    ['a prototype key', JSON.parse('{"p":{"prototype":1}}'), 'forbidden_key'],
    ['those words as values', { b: 'constructor', c: ['prototype', '__proto__'] }, undefined],
    ['1e400 (Infinity once parsed)', JSON.parse('{"p":{"x":1e400}}'), 'non_finite'],
    ['-1e400 in an array', JSON.parse('{"p":[-1e400]}'), 'non_finite'],
    ['the largest double', JSON.parse('{"p":{"x":1.7976931348623157e308}}'), undefined],
    ['a scalar', 'text', undefined],
  ])('%s', (_name, value, expected) => {
    expect(shapeProblem(value, 4)).toBe(expected)
  })

  it('stops at the limit on a hostile depth instead of overflowing the stack', () => {
    expect(shapeProblem(nested(100_000), 32)).toBe('too_deep')
    expect(shapeProblem(nested(100_000, true), 32)).toBe('too_deep')
  })

  it('checks the request-level fields of a batch, not its items', () => {
    expect(envelopeProblem(JSON.parse('{"batch":[{"__proto__":1}],"context":{}}'), 4)).toBeUndefined()
    expect(envelopeProblem(JSON.parse('{"batch":[],"context":{"__proto__":{"x":1}}}'), 4)).toBe(
      'forbidden_key',
    )
    expect(envelopeProblem(JSON.parse('{"batch":[],"integrations":{"a":{"constructor":1}}}'), 4)).toBe(
      'forbidden_key',
    )
    expect(envelopeProblem({ batch: [], context: nested(10) as object }, 4)).toBe('too_deep')
    expect(envelopeProblem(JSON.parse('{"batch":[],"context":{"n":1e400}}'), 4)).toBe('non_finite')
  })

  it('truncates a hostile depth into something JSON.stringify can write', () => {
    const cut = truncateDepth(nested(20_000), 3)
    expect(cut).toEqual({ a: { a: { a: '[nested deeper than the limit]' } } })
  })
})
