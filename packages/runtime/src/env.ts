import { z } from 'zod'

/** The code of every refused environment (docs/configuration.md, "When a value is refused"). */
export const CONFIG_ERROR_CODE = 'SIL_CONFIG_INVALID'

const TRUE_WORDS: ReadonlySet<string> = new Set(['true', 'yes', 'on', '1'])
const FALSE_WORDS: ReadonlySet<string> = new Set(['false', 'no', 'off', '0'])
/** What a boolean variable accepts, for its refusal (docs/configuration.md, "When a value is refused"). */
export const BOOL_ALLOWED = 'true, false, yes, no, on, off, 1 or 0 (any case)'

/** A boolean word (`TRUE`, `on`, `0` …) as true or false; undefined for anything else. */
export function readBoolWord(value: string): boolean | undefined {
  const v = value.toLowerCase()
  return TRUE_WORDS.has(v) ? true : FALSE_WORDS.has(v) ? false : undefined
}

/**
 * Strict boolean from the environment: true/yes/on/1 and false/no/off/0 in any case, so "false"
 * is false; anything else ("enabled", "2") is refused, not read as either.
 */
export const envBool = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx): boolean => {
      if (v === undefined) return fallback
      const b = readBoolWord(v)
      if (b !== undefined) return b
      ctx.addIssue({ code: 'custom', message: `must be ${BOOL_ALLOWED}` })
      return z.NEVER
    })

/**
 * An integer from the environment, in decimal digits only: "abc", "1e3", "0x10", "80.5" and
 * " " are refused, not read as NaN, 1000, 16 or 0 (Number() would). Unset: `fallback`.
 */
export const envInt = <F extends number | undefined>(fallback: F, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .optional()
    .transform((v, ctx): number | F => {
      if (v === undefined) return fallback
      const n = /^[+-]?\d{1,16}$/.test(v) ? Number(v) : NaN
      if (Number.isSafeInteger(n) && n >= min && n <= max) return n
      ctx.addIssue({ code: 'custom', message: `must be an integer from ${min} to ${max}` })
      return z.NEVER
    })

/** A TCP port from the environment: 0 (any free port) to 65535. */
export const envPort = <F extends number | undefined>(fallback: F) => envInt(fallback, 0, 65535)

/** Variables whose value is never printed: tokens, passwords, keys, secrets, sources (write keys). */
const SECRET_NAME = /TOKEN|PASSWORD|SECRET|KEYS?$|_SOURCES$/

/** A refused value, for its message: `(got "abc")`, cut at 80 characters; a URL's credentials and secrets hidden. */
export function showEnvValue(name: string, value: string): string {
  if (SECRET_NAME.test(name)) return '(value hidden)'
  const shown = value.replace(/\/\/[^/@\s]*@/g, '//***@')
  return `(got ${JSON.stringify(shown.length > 80 ? `${shown.slice(0, 80)}…` : shown)})`
}

export class ConfigError extends Error {
  readonly code = CONFIG_ERROR_CODE
  /** Each problem is one line, `VARIABLE: what is wrong (got "value")`. */
  constructor(readonly problems: string[]) {
    // A problem may carry a code of its own (SIL_PROFILE_CONFIG_INVALID: …).
    super(problems.map((p) => (/^SIL_[A-Z_]+: /.test(p) ? p : `${CONFIG_ERROR_CODE}: ${p}`)).join('\n'))
    this.name = 'ConfigError'
  }
}

/** A value with spaces around it (`"8080 "`, a token pasted with its newline) is a typo, not data. */
function whitespaceProblem(name: string, value: string): string | undefined {
  if (value.trim() === '') return `${name}: is blank; unset it or give a value`
  // JSON ignores the whitespace around it (a YAML block scalar ends with a newline); lists
  // ("a:9092, b:9092") trim their items.
  if (value !== value.trim() && !/^\s*[[{]/.test(value) && !value.includes(','))
    return `${name}: has leading or trailing whitespace ${showEnvValue(name, value)}`
  return undefined
}

/**
 * Parses the environment once with a zod schema. Every problem is reported at once, with the
 * value at fault (never a secret's); the result is frozen. Empty strings count as unset.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): Readonly<z.output<S>> {
  const shape = schema instanceof z.ZodObject ? (schema.shape as Record<string, unknown>) : undefined
  const clean: Record<string, string> = {}
  const problems: string[] = []
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || v === '') continue
    const problem = shape && k in shape ? whitespaceProblem(k, v) : undefined
    if (problem) problems.push(problem)
    else clean[k] = v
  }
  const parsed = schema.safeParse(clean)
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const name = String(i.path[0] ?? '')
      const value = clean[name]
      const got = value === undefined || i.path.length > 1 ? '' : ` ${showEnvValue(name, value)}`
      problems.push(`${i.path.join('.') || '(env)'}: ${i.message}${got}`)
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems)
  return Object.freeze(parsed.data)
}
