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
  run(args: string[]): Promise<void>
}

/** Runs a parser (node:util parseArgs), turning what it throws into a UsageError. */
export function withUsage<T>(usage: string, parse: () => T): T {
  try {
    return parse()
  } catch (err) {
    throw new UsageError((err as Error).message, usage)
  }
}

/** A positive integer option, or the fallback. */
export function intOption(value: unknown, name: string, fallback: number, usage: string): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer`, usage)
  return n
}
