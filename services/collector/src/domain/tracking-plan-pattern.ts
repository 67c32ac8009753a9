import { RE2JS } from 're2js'

/**
 * The regular expressions of a tracking plan (`pattern`, `patternProperties`), as ajv's RegExp
 * engine (docs/tracking-plans.md#patterns). A plan is written by the operator but its patterns run
 * on values sent from anywhere, in the collector's request path, so they run on RE2 (re2js, pure
 * JS), which never backtracks: its time is at most linear in the value times the pattern's size,
 * so `^(a|a)*$` or `^(a+)+$` cannot stall the process. A pattern is first checked as JSON Schema
 * says (an ECMAScript regular expression, flag `u`), then translated to RE2's syntax with
 * ECMAScript's meaning (`.`, `\s`, `\uXXXX`, …). What RE2 cannot run (backreferences, lookahead,
 * lookbehind) is refused when the plan is compiled, and so is a pattern larger than
 * MAX_PATTERN_PROGRAM; a value longer than MAX_PATTERN_INPUT never matches. Together they bound
 * the worst case of one value (about 40 ns × characters × instructions when RE2 falls back from
 * its DFA to its NFA).
 */

/** The longest string a plan's pattern is run on: the default event limit (SILLAGE_MAX_EVENT_BYTES). */
export const MAX_PATTERN_INPUT = 32 * 1024

/** RE2 program size beyond which a pattern is refused (`^.{0,100}$` is 204, a UUID's 40). */
export const MAX_PATTERN_PROGRAM = 300

// ECMAScript's \s (WhiteSpace and LineTerminator, Unicode's Zs included) and its complement, as
// the items of an RE2 class; RE2's own \s is ASCII only. Zs is 20, A0, 1680, 2000-200A, 202F,
// 205F, 3000.
const SPACE =
  '\\x{9}-\\x{D}\\x{20}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}'
const NOT_SPACE =
  '\\x{0}-\\x{8}\\x{E}-\\x{1F}\\x{21}-\\x{9F}\\x{A1}-\\x{167F}\\x{1681}-\\x{1FFF}\\x{200B}-\\x{2027}' +
  '\\x{202A}-\\x{202E}\\x{2030}-\\x{205E}\\x{2060}-\\x{2FFF}\\x{3001}-\\x{FEFE}\\x{FF00}-\\x{10FFFF}'
/** ECMAScript's `.` without the `s` flag: anything but a line terminator (RE2's: but \n). */
const DOT = '[^\\x{A}\\x{D}\\x{2028}\\x{2029}]'
const ANY = '\\x{0}-\\x{10FFFF}'

/** ECMAScript's long General_Category names that RE2 only knows by their short one. */
// prettier-ignore
const CATEGORY: Readonly<Record<string, string>> = {
  Letter: 'L', Uppercase_Letter: 'Lu', Lowercase_Letter: 'Ll', Titlecase_Letter: 'Lt',
  Modifier_Letter: 'Lm', Other_Letter: 'Lo', Mark: 'M', Combining_Mark: 'M', Nonspacing_Mark: 'Mn',
  Spacing_Mark: 'Mc', Enclosing_Mark: 'Me', Number: 'N', Decimal_Number: 'Nd', digit: 'Nd',
  Letter_Number: 'Nl', Other_Number: 'No', Punctuation: 'P', punct: 'P',
  Connector_Punctuation: 'Pc', Dash_Punctuation: 'Pd', Open_Punctuation: 'Ps',
  Close_Punctuation: 'Pe', Initial_Punctuation: 'Pi', Final_Punctuation: 'Pf',
  Other_Punctuation: 'Po', Symbol: 'S', Math_Symbol: 'Sm', Currency_Symbol: 'Sc',
  Modifier_Symbol: 'Sk', Other_Symbol: 'So', Separator: 'Z', Space_Separator: 'Zs',
  Line_Separator: 'Zl', Paragraph_Separator: 'Zp', Other: 'C', Control: 'Cc', cntrl: 'Cc',
  Format: 'Cf', Private_Use: 'Co', Unassigned: 'Cn',
}

/** A pattern the linear engine cannot run, or not with ECMAScript's meaning. */
class Unsupported extends Error {}

const hex = (cp: number): string => `\\x{${cp.toString(16).toUpperCase()}}`
/** One character, literally: ASCII letters and digits as they are, anything else by its code. */
const literal = (cp: number): string =>
  (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)
    ? String.fromCodePoint(cp)
    : hex(cp)
const isHex = (s: string): boolean => /^[0-9A-Fa-f]+$/.test(s)

function property(name: string, negated: boolean): string {
  const [key, value] = name.includes('=') ? name.split('=', 2) : [undefined, name]
  if (key === 'Script_Extensions' || key === 'scx') {
    throw new Unsupported(`\\p{${name}}: RE2 has no Script_Extensions; use \\p{Script=…}`)
  }
  const short = value === undefined ? name : (CATEGORY[value] ?? value)
  return `\\${negated ? 'P' : 'p'}{${short}}`
}

/**
 * The escape at `src[i]` (just after its backslash), translated: [RE2 text, index after it].
 * `src` is a valid ECMAScript pattern with flag `u` (checked before), so what is not a known
 * escape is a syntax character escaped (`\.`, `\/`, `\-`).
 */
function escape(src: string, i: number, inClass: boolean): [string, number] {
  const c = src[i] ?? ''
  switch (c) {
    case 'd':
    case 'D':
    case 'w':
    case 'W':
    case 'B':
      return [`\\${c}`, i + 1]
    case 'b':
      return [inClass ? hex(8) : '\\b', i + 1]
    case 's':
      return [inClass ? SPACE : `[${SPACE}]`, i + 1]
    case 'S':
      return [inClass ? NOT_SPACE : `[${NOT_SPACE}]`, i + 1]
    case 'f':
      return [hex(0xc), i + 1]
    case 'n':
      return [hex(0xa), i + 1]
    case 'r':
      return [hex(0xd), i + 1]
    case 't':
      return [hex(0x9), i + 1]
    case 'v':
      return [hex(0xb), i + 1]
    case '0':
      return [hex(0), i + 1]
    case 'c':
      return [hex((src.codePointAt(i + 1) ?? 0) % 32), i + 2]
    case 'x':
      return [hex(parseInt(src.slice(i + 1, i + 3), 16)), i + 3]
    case 'k':
      throw new Unsupported('a backreference (\\k<name>) cannot run in linear time')
    case 'p':
    case 'P': {
      const end = src.indexOf('}', i)
      return [property(src.slice(i + 2, end), c === 'P'), end + 1]
    }
    case 'u': {
      if (src[i + 1] === '{') {
        const end = src.indexOf('}', i)
        return [hex(parseInt(src.slice(i + 2, end), 16)), end + 1]
      }
      const high = parseInt(src.slice(i + 1, i + 5), 16)
      const next = src.slice(i + 5, i + 11)
      if (high >= 0xd800 && high <= 0xdbff && next.startsWith('\\u') && isHex(next.slice(2))) {
        const low = parseInt(next.slice(2), 16)
        if (low >= 0xdc00 && low <= 0xdfff) {
          return [hex(0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00)), i + 11]
        }
      }
      return [hex(high), i + 5]
    }
    default:
      if (c >= '1' && c <= '9') throw new Unsupported(`a backreference (\\${c}) cannot run in linear time`)
      return [literal(src.codePointAt(i) ?? 0), i + (c.length || 1)]
  }
}

/** An ECMAScript pattern (valid with flag `u`) in RE2's syntax, with the same meaning. */
export function toRe2Syntax(src: string): string {
  let out = ''
  let inClass = false
  let i = 0
  while (i < src.length) {
    const cp = src.codePointAt(i) ?? 0
    const ch = String.fromCodePoint(cp)
    i += ch.length
    if (ch === '\\') {
      const [text, next] = escape(src, i, inClass)
      out += text
      i = next
    } else if (inClass) {
      if (ch === ']') inClass = false
      out += ch === ']' || ch === '-' ? ch : literal(cp)
    } else if (ch === '[') {
      const negated = src[i] === '^'
      if (negated) i++
      if (src[i] === ']') {
        out += negated ? `[${ANY}]` : `[^${ANY}]` // [^] is anything, [] nothing
        i++
      } else {
        out += negated ? '[^' : '['
        inClass = true
      }
    } else if (ch === '(') {
      if (src.startsWith('?=', i) || src.startsWith('?!', i)) {
        throw new Unsupported('a lookahead ((?=…), (?!…)) cannot run in linear time')
      }
      if (src.startsWith('?<=', i) || src.startsWith('?<!', i)) {
        throw new Unsupported('a lookbehind ((?<=…), (?<!…)) cannot run in linear time')
      }
      // Only whether it matches is asked: every group is a non-capturing one.
      if (src.startsWith('?:', i)) i += 2
      else if (src.startsWith('?<', i)) i = src.indexOf('>', i) + 1
      out += '(?:'
    } else if (ch === '{') {
      const end = src.indexOf('}', i) + 1 // a quantifier: a lone brace is a syntax error with `u`
      out += src.slice(i - 1, end)
      i = end
    } else if (ch === '.') {
      out += DOT
    } else if ('^$|)*+?'.includes(ch)) {
      out += ch
    } else {
      out += literal(cp)
    }
  }
  return out
}

/** What ajv's generated code calls: only `test` (find anywhere, as RegExp.prototype.test). */
class PlanPattern {
  constructor(
    private readonly source: string,
    private readonly re2: RE2JS,
  ) {}

  test(value: string): boolean {
    return value.length <= MAX_PATTERN_INPUT && this.re2.test(value)
  }

  /** ajv keys its patterns by this: each pattern must have its own. */
  toString(): string {
    return `/${this.source}/u`
  }
}

/** A pattern as an error names it: its first 200 characters. */
const shown = (pattern: string): string =>
  pattern.length > 200 ? `${pattern.slice(0, 200)}…(${pattern.length} characters)` : pattern

function refused(pattern: string, why: string): Error {
  return new Error(
    `pattern ${JSON.stringify(shown(pattern))} is refused: ${why} (patterns run on RE2, in linear time: ` +
      'docs/tracking-plans.md#patterns)',
  )
}

/** ajv's `code.regExp`: throws on an invalid pattern or one RE2 cannot run (ajv.compile then throws). */
export function planRegExp(pattern: string, flags: string): PlanPattern {
  if (flags !== 'u') throw new Error(`pattern flags ${JSON.stringify(flags)}: only "u" is supported`)
  new RegExp(pattern, flags) // not ECMAScript: its SyntaxError ("Invalid regular expression")
  let re2: RE2JS
  try {
    re2 = RE2JS.compile(toRe2Syntax(pattern))
  } catch (cause) {
    if (cause instanceof Unsupported) throw refused(pattern, cause.message)
    throw refused(pattern, `RE2 cannot run it (${(cause as Error).message})`)
  }
  if (re2.programSize() > MAX_PATTERN_PROGRAM) {
    throw refused(
      pattern,
      `it is too large (${re2.programSize()} RE2 instructions, at most ${MAX_PATTERN_PROGRAM}; ` +
        'bound a length with minLength and maxLength rather than a counted repetition)',
    )
  }
  return new PlanPattern(pattern, re2)
}
// Not "new RegExp": ajv then calls this function wherever it makes a RegExp, never its own.
planRegExp.code = 'planRegExp'
