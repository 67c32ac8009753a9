import { describe, expect, it } from 'vitest'
import { exactIds, hasUnsafeId, nonFiniteTokens, parseJsonBody } from './json-body.js'

const parse = (text: string): unknown => {
  const r = parseJsonBody(text)
  if (!r.ok) throw new Error(r.code)
  return r.value
}

describe('parseJsonBody', () => {
  it('parses plain JSON and skips a byte-order mark', () => {
    expect(parse('{"a":1}')).toEqual({ a: 1 })
    expect(parse('\ufeff{"a":1}')).toEqual({ a: 1 })
  })

  it('reports text that is not JSON', () => {
    expect(parseJsonBody('data=%7B%7D')).toEqual({ ok: false, code: 'SIL_BODY_INVALID_JSON' })
    expect(parseJsonBody('')).toEqual({ ok: false, code: 'SIL_BODY_INVALID_JSON' })
  })

  it('parses a hostile depth without overflowing (V8 parses iteratively)', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000)
    expect(parseJsonBody(deep).ok).toBe(true)
  })

  it('keeps integer ids beyond 2^53 exactly, as strings of their digits', () => {
    const body = parse(
      '{"batch":[{"type":"alias","userId":12345678901234567890,"previousId":-98765432109876543210,' +
        '"anonymousId":9007199254740993,"context":{"externalIds":[{"id":18446744073709551615,"type":"crm"}]}},' +
        '{"type":"group","groupId":1234567890123456789012,"userId":42,"properties":{"n":12345678901234567890}}]}',
    ) as { batch: Array<Record<string, unknown>> }
    const [a, g] = body.batch
    expect(a).toMatchObject({
      userId: '12345678901234567890',
      previousId: '-98765432109876543210',
      anonymousId: '9007199254740993',
      context: { externalIds: [{ id: '18446744073709551615', type: 'crm' }] },
    })
    // Safe ids stay numbers (stored as their string later); other numbers stay numbers.
    expect(g).toMatchObject({ groupId: '1234567890123456789012', userId: 42 })
    expect(typeof (g?.['properties'] as Record<string, unknown>)['n']).toBe('number')
  })

  it('keeps an exact id of a single event and of a batch context', () => {
    expect(parse('{"userId":12345678901234567890}')).toEqual({ userId: '12345678901234567890' })
    expect(parse('{"batch":[],"context":{"externalIds":[{"type":"x","id":99999999999999999999}]}}')).toEqual({
      batch: [],
      context: { externalIds: [{ type: 'x', id: '99999999999999999999' }] },
    })
  })

  it('replaces lone surrogates by U+FFFD in values and keys, and keeps pairs', () => {
    const v = parse('{"event":"x\\ud800","k\\udc00":["\\ud83d\\ude00","a\\uDBFFb"]}') as Record<
      string,
      unknown
    >
    expect(v).toEqual({ event: 'x\ufffd', 'k\ufffd': ['😀', 'a\ufffdb'] })
    expect(JSON.stringify(v)).not.toMatch(/\\ud[89a-f]/i)
  })
})

describe('exactIds', () => {
  it('touches nothing inside strings, nor keys that merely contain the name', () => {
    const text =
      '{"note":"\\"userId\\": 12345678901234567890","x\\"userId":12345678901234567890,' +
      '"myuserId":12345678901234567890,"properties":{"id":12345678901234567890,"userId":12345678901234567890}}'
    expect(exactIds(text)).toBe(text)
  })

  it('rewrites only unsafe numbers at id keys', () => {
    expect(exactIds('{"userId":12345678901234567890,"anonymousId":123}')).toBe(
      '{"userId":"12345678901234567890","anonymousId":123}',
    )
    expect(exactIds('{"userId" : 1e300}')).toBe('{"userId" : "1e300"}')
  })

  it('is cheap to rule out: a handful of property reads per event', () => {
    expect(hasUnsafeId({ batch: [{ userId: 1 }, { userId: 'a' }] })).toBe(false)
    expect(hasUnsafeId({ batch: [{ userId: 1 }, { groupId: 2 ** 60 }] })).toBe(true)
    expect(hasUnsafeId([1, 2])).toBe(false)
  })
})

describe('nonFiniteTokens', () => {
  it("rewrites Python's bare NaN and Infinity outside strings, and nothing else", () => {
    expect(nonFiniteTokens('{"a":NaN,"b":[Infinity,-Infinity],"s":"NaN Infinity \\" NaN"}')).toBe(
      '{"a":1e400,"b":[1e400,-1e400],"s":"NaN Infinity \\" NaN"}',
    )
    expect(nonFiniteTokens('{"s":"NaN"')).toBeUndefined()
    expect(parse('{"a":NaN}')).toEqual({ a: Infinity })
  })
})
