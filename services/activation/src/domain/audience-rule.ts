/**
 * The audience rule language (docs/activation.md): a tiny boolean language over whitelisted
 * attributes, parsed to an AST here and compiled to parameterised SQL by audience-sql.ts. Pure.
 *
 *   rule    := or
 *   or      := and ('or' and)*
 *   and     := not ('and' not)*
 *   not     := 'not' not | '(' rule ')' | test
 *   test    := attr                               -- a boolean attribute is true
 *            | attr ('=' | '!=' | '>' | '>=' | '<' | '<=') value
 *            | attr ['not'] 'in' '(' value (',' value)* ')'
 *   value   := number | 'quoted' | "quoted" | bare-word | true | false
 *
 * Example: `rfm_segment in (at_risk, hibernating) and consent.marketing and last_order_days > 90`.
 */

export type Value = string | number | boolean
export type CompareOp = '=' | '!=' | '>' | '>=' | '<' | '<='

export type RuleNode =
  | { kind: 'and'; items: RuleNode[] }
  | { kind: 'or'; items: RuleNode[] }
  | { kind: 'not'; item: RuleNode }
  | { kind: 'truthy'; attr: string }
  | { kind: 'compare'; attr: string; op: CompareOp; value: Value }
  | { kind: 'in'; attr: string; negated: boolean; values: Value[] }

/** A rule that does not parse: the message names the position. Code SIL_AUDIENCE_RULE. */
export class RuleSyntaxError extends Error {
  readonly code = 'SIL_AUDIENCE_RULE'
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`)
    this.name = 'RuleSyntaxError'
  }
}

type Token =
  | { t: 'word'; v: string; at: number }
  | { t: 'num'; v: number; at: number }
  | { t: 'str'; v: string; at: number }
  | { t: 'op'; v: string; at: number }
  | { t: 'end'; at: number }

const MAX_RULE_LENGTH = 4000
/**
 * How deep `not` and brackets may nest. ClickHouse refuses a query whose AST is deeper than 1000,
 * so `not not … not x` (990 deep, within the length limit) parsed here but failed every sync; 32
 * is far beyond any hand-written rule and far below that ceiling.
 */
export const MAX_RULE_DEPTH = 32
const WORD = /[A-Za-z_][A-Za-z0-9_.-]*/y
const NUMBER = /-?\d+(?:\.\d+)?/y
const OPS = ['>=', '<=', '!=', '<>', '=', '>', '<', '(', ')', ',']

function tokenize(src: string): Token[] {
  if (src.length > MAX_RULE_LENGTH) throw new RuleSyntaxError(`rule longer than ${MAX_RULE_LENGTH}`, 0)
  const out: Token[] = []
  let i = 0
  while (i < src.length) {
    const c = src[i]!
    if (/\s/.test(c)) {
      i++
      continue
    }
    if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1)
      if (end < 0) throw new RuleSyntaxError('unterminated string', i)
      out.push({ t: 'str', v: src.slice(i + 1, end), at: i })
      i = end + 1
      continue
    }
    NUMBER.lastIndex = i
    const num = NUMBER.exec(src)
    if (num && /\d|-/.test(c)) {
      const v = Number(num[0])
      // A number ClickHouse's parameters cannot carry exactly would fail every run of the rule.
      if (!Number.isFinite(v) || (Number.isInteger(v) && !Number.isSafeInteger(v)))
        throw new RuleSyntaxError(`number ${num[0]} is out of range (at most ±${Number.MAX_SAFE_INTEGER})`, i)
      out.push({ t: 'num', v, at: i })
      i += num[0].length
      continue
    }
    WORD.lastIndex = i
    const word = WORD.exec(src)
    if (word) {
      out.push({ t: 'word', v: word[0], at: i })
      i += word[0].length
      continue
    }
    const op = OPS.find((o) => src.startsWith(o, i))
    if (!op) throw new RuleSyntaxError(`unexpected character ${JSON.stringify(c)}`, i)
    out.push({ t: 'op', v: op === '<>' ? '!=' : op, at: i })
    i += op.length
  }
  out.push({ t: 'end', at: src.length })
  return out
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in'])
const isWord = (tok: Token, w: string) => tok.t === 'word' && tok.v.toLowerCase() === w

/** Parses a rule to its AST, or throws RuleSyntaxError. */
export function parseRule(src: string): RuleNode {
  const toks = tokenize(src)
  let p = 0
  const peek = () => toks[p]!
  const next = () => toks[p++]!
  const expectOp = (v: string) => {
    const tok = next()
    if (tok.t !== 'op' || tok.v !== v) throw new RuleSyntaxError(`expected "${v}"`, tok.at)
  }

  const value = (): Value => {
    const tok = next()
    if (tok.t === 'num' || tok.t === 'str') return tok.v
    if (tok.t === 'word' && !KEYWORDS.has(tok.v.toLowerCase())) {
      if (tok.v === 'true') return true
      if (tok.v === 'false') return false
      return tok.v
    }
    throw new RuleSyntaxError('expected a value', tok.at)
  }

  const test = (): RuleNode => {
    const tok = next()
    if (tok.t !== 'word' || KEYWORDS.has(tok.v.toLowerCase()))
      throw new RuleSyntaxError('expected an attribute', tok.at)
    const attr = tok.v
    const after = peek()
    const negatedIn = isWord(after, 'not') && isWord(toks[p + 1]!, 'in')
    if (isWord(after, 'in') || negatedIn) {
      p += negatedIn ? 2 : 1
      expectOp('(')
      const values = [value()]
      while (peek().t === 'op' && (peek() as { v: string }).v === ',') {
        p++
        values.push(value())
      }
      expectOp(')')
      return { kind: 'in', attr, negated: negatedIn, values }
    }
    if (after.t === 'op' && ['=', '!=', '>', '>=', '<', '<='].includes(after.v)) {
      p++
      return { kind: 'compare', attr, op: after.v as CompareOp, value: value() }
    }
    return { kind: 'truthy', attr }
  }

  let depth = 0
  const nested = <T>(at: number, inner: () => T): T => {
    if (++depth > MAX_RULE_DEPTH)
      throw new RuleSyntaxError(`nested deeper than ${MAX_RULE_DEPTH} levels of "not" and brackets`, at)
    const out = inner()
    depth--
    return out
  }

  const unary = (): RuleNode => {
    const tok = peek()
    if (isWord(tok, 'not')) {
      p++
      return nested(tok.at, () => ({ kind: 'not', item: unary() }))
    }
    if (tok.t === 'op' && tok.v === '(') {
      p++
      return nested(tok.at, () => {
        const inner = or()
        expectOp(')')
        return inner
      })
    }
    return test()
  }

  const and = (): RuleNode => {
    const items = [unary()]
    while (isWord(peek(), 'and')) {
      p++
      items.push(unary())
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items }
  }

  function or(): RuleNode {
    const items = [and()]
    while (isWord(peek(), 'or')) {
      p++
      items.push(and())
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items }
  }

  const rule = or()
  const end = peek()
  if (end.t !== 'end') throw new RuleSyntaxError('unexpected token', end.at)
  return rule
}

/** Every attribute a rule names. */
export function attributesOf(node: RuleNode): Set<string> {
  const out = new Set<string>()
  const walk = (n: RuleNode): void => {
    if (n.kind === 'and' || n.kind === 'or') n.items.forEach(walk)
    else if (n.kind === 'not') walk(n.item)
    else out.add(n.attr)
  }
  walk(node)
  return out
}
