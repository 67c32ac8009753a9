import { describe, expect, it } from 'vitest'
import { parseJsonExact } from './exact-json.js'

describe('parseJsonExact', () => {
  it('keeps integers past 2^53 as their exact digits, at any depth', () => {
    expect(
      parseJsonExact(
        '{"a":9007199254740993,"b":12345678901234567890,"c":-9223372036854775808,"items":[{"id":18446744073709551615}]}',
      ),
    ).toEqual({
      a: '9007199254740993',
      b: '12345678901234567890',
      c: '-9223372036854775808',
      items: [{ id: '18446744073709551615' }],
    })
  })

  it('reads every other number as a number', () => {
    expect(
      parseJsonExact(
        '{"max":9007199254740991,"n":12.5,"e":1e3,"long":1234567890.123456,"s":"9007199254740993"}',
      ),
    ).toEqual({ max: 9007199254740991, n: 12.5, e: 1000, long: 1234567890.123456, s: '9007199254740993' })
  })

  it('behaves as JSON.parse otherwise: the last of a repeated key, a SyntaxError on broken text', () => {
    expect(parseJsonExact('{"k":1,"k":9007199254740993}')).toEqual({ k: '9007199254740993' })
    expect(parseJsonExact('{"k":9007199254740993,"k":2}')).toEqual({ k: 2 })
    expect(() => parseJsonExact('{"a":9007199254740993,}')).toThrow(SyntaxError)
    expect(() => parseJsonExact('{"a":1,}')).toThrow(SyntaxError)
  })
})
