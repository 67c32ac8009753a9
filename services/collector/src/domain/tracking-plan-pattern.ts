import safeRegex from 'safe-regex2'

/**
 * The regular expressions of a tracking plan (`pattern`, `patternProperties`), as ajv's RegExp
 * engine (docs/tracking-plans.md#patterns). A plan is written by the operator but its patterns run
 * on values sent from anywhere, in the collector's request path: a pattern with nested repetition
 * such as `^(a+)+$` backtracks exponentially on a hostile value and stalls the process. Such a
 * pattern is refused when the plan is compiled, and a value longer than MAX_PATTERN_INPUT never
 * matches, which bounds the cost of the (polynomial) patterns the check lets through.
 */

/** The longest string a plan's pattern is run on: the default event limit (SILLAGE_MAX_EVENT_BYTES). */
export const MAX_PATTERN_INPUT = 32 * 1024

/** A pattern that does not test a string longer than MAX_PATTERN_INPUT (it does not match). */
class BoundedRegExp extends RegExp {
  override test(s: string): boolean {
    return s.length <= MAX_PATTERN_INPUT && super.test(s)
  }
}

/** Why a pattern is refused, or undefined when it may run on any value. */
export function unsafePatternReason(pattern: string): string | undefined {
  if (safeRegex(pattern)) return undefined
  return (
    `pattern ${JSON.stringify(pattern)} is refused: it repeats a repetition (such as (a+)+) or has ` +
    'more than 25 of them, and could take seconds on a hostile value; write it without a repeated ' +
    'group that itself repeats'
  )
}

/** ajv's `code.regExp`: throws on an invalid or unsafe pattern (ajv.compile then throws). */
export function planRegExp(pattern: string, flags: string): RegExp {
  const rx = new BoundedRegExp(pattern, flags) // an invalid pattern: its SyntaxError
  const reason = unsafePatternReason(pattern)
  if (reason !== undefined) throw new Error(reason)
  return rx
}
// Not "new RegExp": ajv then calls this function wherever it makes a RegExp, never its own.
planRegExp.code = 'planRegExp'
