import { describe, expect, it } from 'vitest'
import { MAX_PATTERN_INPUT, MAX_PATTERN_PROGRAM, planRegExp } from './tracking-plan-pattern.js'

/** Safe patterns, each with values to try: RE2's answer must be ECMAScript's (flag u), for each. */
const SAME_AS_ECMASCRIPT: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['^[A-Za-z]{3}$', ['EUR', 'eur', 'EURO', 'EU', ' EUR', 'EUR\n', '']],
  ['[0-9]', ['abc', 'a1c', '']], // unanchored: found anywhere
  ['^$', ['', '\n', 'a']],
  ['^abc$', ['abc', 'abc\n', '\nabc', 'xabc']],
  ['^a{2,4}$', ['a', 'aa', 'aaaa', 'aaaaa']],
  ['^a{2,}b{0,1}c{3}$', ['aaccc', 'aabccc', 'abccc', 'aaaaabbccc']],
  ['^(red|green|blue)$', ['red', 'green', 'redgreen', 'Blue']],
  ['^(?:ab)+?$', ['ab', 'abab', 'aba']],
  ['^(?<year>\\d{4})-(?<month>\\d{2})$', ['2026-12', '2026-1', '２０２６-12']],
  ['^\\d+$', ['123', '١٢٣', '12a', '']],
  ['^\\w+$', ['a_B9', 'é', 'ſ', 'K', 'a-b']],
  ['^\\W$', ['é', '-', 'a']],
  [
    '^\\s$',
    [
      ' ',
      '\t',
      '\n',
      '\r',
      '\v',
      '\f',
      '\u00a0',
      '\u1680',
      '\u2003',
      '\u2028',
      '\u202f',
      '\u3000',
      '\ufeff',
      '\u0085',
      '\u200b',
      'a',
    ],
  ],
  ['^\\S+$', ['abc', 'a b', '\u0085', '\u200b', 'a\u00a0b', '😀']],
  ['^[\\s,]+$', [' , ', '\u00a0,', 'a']],
  ['^[^\\s]+$', ['abc', 'a\u2028b']],
  ['^[\\S]$', ['a', ' ', '\ufeff']],
  ['^.$', ['a', '\n', '\r', '\u2028', '\u2029', '\u0085', '😀', '\ud800', '']],
  ['^.+$', ['line', 'two\nlines', 'cr\r']],
  ['^[^]$', ['\n', 'a']],
  ['[]', ['', 'a']],
  ['^[\\w.+-]+@[\\w-]+\\.[\\w.]+$', ['a.b+c@example.com', 'a@b', 'a b@c.d']],
  ['^[a-z-]+$', ['a-b', '-', 'A']],
  ['^[a-c-e]+$', ['abc', '-', 'e', 'd']],
  ['^[\\-\\]\\\\^]+$', ['-]\\^', 'a']],
  ['^\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\/\\$\\^\\\\$', ['.*+?()[]{}|/$^\\', 'x']],
  ['\\bword\\b', ['a word here', 'swordfish', 'word']],
  ['\\Bor\\B', ['word', 'or']],
  ['^\\p{L}+$', ['héllo', 'Ωμέγα', '日本', 'a1']],
  ['^\\p{Lu}\\p{Ll}*$', ['Émile', 'émile']],
  ['^\\P{L}+$', ['123', 'a']],
  ['^\\p{Letter}+$', ['abc', '1']],
  ['^\\p{Script=Greek}+$', ['αβγ', 'abc']],
  ['^\\p{sc=Latin}+$', ['abc', 'αβγ']],
  ['^\\p{gc=Nd}+$', ['123', '١٢٣', 'a']],
  ['^[\\p{L}\\p{N}_-]+$', ['ab_1-٣', 'a b']],
  ['^\\u00e9$', ['é', 'e']],
  ['^\\u{1F600}$', ['😀', '😁']],
  ['^\\uD83D\\uDE00$', ['😀', '\ud83d']],
  ['^[😀-😂]$', ['😁', '😃']],
  ['^😀+$', ['😀😀', '😀\ude00']],
  ['^\\x41\\t\\n\\r\\f\\v\\0$', ['A\t\n\r\f\v\0', 'A']],
  ['^\\cJ$', ['\n', 'J']],
  ['^[\\b]$', ['\b', 'b']],
  ['^[^a-z]$', ['A', 'a', '😀']],
  ['^(a|ab)(c|bcd)(d*)$', ['abcd', 'abcdd', 'ac']],
  ['^a*?b??c+?$', ['bc', 'aaccc', 'aabbc']],
  [
    '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
    ['0190c4f6-8a7b-7c3d-9e5f-1a2b3c4d5e6f', 'nope'],
  ],
  ['^https?://[^/\\s]+(/.*)?$', ['https://example.com/a?b', 'ftp://x', 'http://a b']],
  ['日本', ['こんにちは日本', '日']],
]

describe('planRegExp: the same answer as ECMAScript', () => {
  for (const [pattern, values] of SAME_AS_ECMASCRIPT) {
    it(`/${pattern}/u`, () => {
      const native = new RegExp(pattern, 'u')
      const linear = planRegExp(pattern, 'u')
      for (const value of values) {
        expect([value, linear.test(value)]).toEqual([value, native.test(value)])
      }
    })
  }
})

describe('planRegExp: refused', () => {
  const REFUSED: ReadonlyArray<readonly [string, RegExp]> = [
    ['^(a)\\1$', /backreference \(\\1\) cannot run in linear time/],
    ['^(?<x>a)\\k<x>$', /backreference \(\\k<name>\) cannot run in linear time/],
    ['^a(?=b)', /lookahead .* cannot run in linear time/],
    ['^a(?!b)', /lookahead .* cannot run in linear time/],
    ['(?<=a)b', /lookbehind .* cannot run in linear time/],
    ['(?<!a)b', /lookbehind .* cannot run in linear time/],
    ['^\\p{Script_Extensions=Greek}$', /RE2 has no Script_Extensions/],
    ['^a{1001}$', /RE2 cannot run it .*invalid repeat count/],
    ['^.{0,255}$', /too large \(514 RE2 instructions, at most 300; bound a length with minLength/],
    ['a[ab]{300}c', /too large/],
  ]
  for (const [pattern, why] of REFUSED) {
    it(`/${pattern}/u, naming it and why`, () => {
      expect(() => new RegExp(pattern, 'u')).not.toThrow() // valid ECMAScript, but not for RE2
      expect(() => planRegExp(pattern, 'u')).toThrow(`pattern ${JSON.stringify(pattern)} is refused: `)
      expect(() => planRegExp(pattern, 'u')).toThrow(why)
    })
  }

  it('refuses what is not ECMAScript with flag u (RE2-only syntax included)', () => {
    for (const pattern of ['(', '\\pL', '\\Qa\\E', '(?i)a', '[[:alpha:]]', 'a{,3}', '\\z']) {
      expect(() => planRegExp(pattern, 'u'), pattern).toThrow(/Invalid regular expression/)
    }
  })

  it('takes patterns up to MAX_PATTERN_PROGRAM instructions', () => {
    expect(MAX_PATTERN_PROGRAM).toBe(300)
    for (const pattern of ['^.{0,100}$', '^[a-z0-9-]{1,63}$', "^[\\p{L}\\p{M}' -]{1,100}$", 'a[ab]{290}c']) {
      expect(() => planRegExp(pattern, 'u'), pattern).not.toThrow()
    }
  })
})

describe('planRegExp: linear time', () => {
  // Each of these backtracks exponentially (or as a high power) in ECMAScript on such values, of
  // the default event limit (32 KiB) at most: the former 32 KiB cut-off did not stop them.
  const HOSTILE = 32 * 1024 - 1
  const CASES: ReadonlyArray<readonly [string, string, boolean]> = [
    ['^(a|a)*$', `${'a'.repeat(HOSTILE)}!`, false],
    ['^(a+)+$', `${'a'.repeat(HOSTILE)}!`, false],
    ['^(a+)+$', 'a'.repeat(HOSTILE), true],
    ['^\\d*\\d*x$', `${'1'.repeat(HOSTILE)}y`, false],
    ['^.*.*.*=$', `${'x'.repeat(HOSTILE)}`, false],
    ['^.*.*.*=$', `${'x'.repeat(HOSTILE)}=`, true],
    ['^([a-z0-9]+-?)*$', `${'a'.repeat(HOSTILE)}_`, false],
  ]
  for (const [pattern, value, matches] of CASES) {
    it(`/${pattern}/u on ${value.length} characters: ${matches}`, () => {
      expect(planRegExp(pattern, 'u').test(value)).toBe(matches)
    })
  }

  it('never matches a value longer than MAX_PATTERN_INPUT', () => {
    expect(planRegExp('^a+$', 'u').test('a'.repeat(MAX_PATTERN_INPUT))).toBe(true)
    expect(planRegExp('^a+$', 'u').test('a'.repeat(MAX_PATTERN_INPUT + 1))).toBe(false)
  })
})
