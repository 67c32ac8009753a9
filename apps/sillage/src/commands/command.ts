import { parseArgs, type ParseArgsConfig } from 'node:util'

/** A mistake in the command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message)
    this.name = 'UsageError'
  }
}

/** One `sillage` command: its usage text and what it does (exit code through process.exitCode). */
export interface Command {
  summary: string
  usage: string
  /** The first argument's choices, when the command has subcommands (`dlq inspect|replay`). */
  subcommands?: readonly string[]
  run(args: string[]): Promise<void>
}

type Options = NonNullable<ParseArgsConfig['options']>

/** What a command (or subcommand) accepts; anything else is a UsageError. */
export interface ArgsSpec<O extends Options> {
  /** Names the command in messages: `start`, `dlq inspect`. */
  name: string
  usage: string
  options: O
  /** How many positional arguments at most (default none). */
  positionals?: number
  /** Said after an unknown option a user may well try (`start --port`: where the port comes from). */
  hints?: Readonly<Record<string, string>>
}

export type ParsedArgs<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>

/**
 * The one way a command reads its arguments: node:util parseArgs in strict mode. An unknown option
 * or one positional too many is a UsageError naming it, on one line.
 */
export function parseCommandArgs<O extends Options>(
  args: readonly string[],
  spec: ArgsSpec<O>,
): ParsedArgs<O> {
  const { name, usage, options } = spec
  // Read loosely first, to name the first unknown option (parseArgs's own message is longer).
  const { tokens } = parseArgs({
    args: [...args],
    options,
    allowPositionals: true,
    strict: false,
    tokens: true,
  })
  for (const token of tokens) {
    if (token.kind !== 'option' || Object.hasOwn(options, token.name)) continue
    const hint = spec.hints?.[token.name]
    throw new UsageError(`${name}: unknown option ${token.rawName}${hint ? `; ${hint}` : ''}`, usage)
  }
  let parsed: ParsedArgs<O>
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UsageError(`${name}: ${(err as Error).message}`, usage)
  }
  const extra = parsed.positionals[spec.positionals ?? 0]
  if (extra !== undefined)
    throw new UsageError(`${name}: unexpected argument ${JSON.stringify(extra)}`, usage)
  return parsed
}

/** A positive integer option, or the fallback. */
export function intOption(value: unknown, name: string, fallback: number, usage: string): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer`, usage)
  return n
}
