/**
 * A listener that cannot open its port, said in one line for the operator (docs/errors.md,
 * SIL_LISTEN_FAILED): the variable to change first, then the address. Shared by `sillage start`
 * (apps/sillage/src/port-check.ts), every standalone service's main.ts, the ops server and
 * `sillage dashboard`; exitOnStartupError logs it without a stack.
 */

/** Where a listener listens, and the variables that set it. */
export interface ListenTarget {
  /** The variable of the port, e.g. SILLAGE_PORT, SILLAGE_METRICS_PORT. */
  variable: string
  /** The variable of the host, e.g. SILLAGE_HOST, SILLAGE_METRICS_HOST. */
  hostVariable: string
  host: string
  port: number
  /** Who may hold a taken port, e.g. "another sillage start?". */
  hint?: string
}

export const LISTEN_FAILED = 'SIL_LISTEN_FAILED'

/** A listener cannot listen: `SIL_LISTEN_FAILED: <variable>: <reason with the address>`. */
export class ListenError extends Error {
  readonly code = LISTEN_FAILED
  constructor(
    /** The variable to change: the port's, or the host's when the host is the problem. */
    readonly variable: string,
    /** host:port */
    readonly address: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${LISTEN_FAILED}: ${variable}: ${reason}`, options)
    this.name = 'ListenError'
  }

  /** The fields of its log line (no stack: the message says it all). */
  logFields(): { code: string; variable: string; address: string; errno: string | undefined } {
    const errno = (this.cause as NodeJS.ErrnoException | undefined)?.code
    return { code: this.code, variable: this.variable, address: this.address, errno }
  }
}

const HOST_HINT = 'e.g. 127.0.0.1, or 0.0.0.0 for all'

/** The ListenError of a failed listen on `target` (EADDRINUSE, EACCES, EADDRNOTAVAIL, ENOTFOUND …). */
export function listenError(err: unknown, target: ListenTarget): ListenError {
  const { variable, hostVariable, host, port, hint } = target
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  const where = `${host}:${port}`
  const fail = (v: string, reason: string) => new ListenError(v, where, reason, { cause: err })
  switch (code) {
    case 'EADDRINUSE':
      return fail(
        variable,
        hint
          ? `${where} is already in use (${hint}); stop it or set another ${variable}`
          : `${where} is already in use; stop what holds it or set another ${variable}`,
      )
    case 'EACCES':
      return fail(variable, `no permission to listen on ${where}; choose a port above 1023 with ${variable}`)
    case 'EADDRNOTAVAIL':
      return fail(
        hostVariable,
        `${host} is not an address of this machine (listening on ${where}); use one of its addresses, ${HOST_HINT}`,
      )
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return fail(
        hostVariable,
        `${JSON.stringify(host)} does not resolve to an address (${code}); use an address of this machine, ${HOST_HINT}`,
      )
    default:
      return fail(
        variable,
        `cannot listen on ${where} (${code ?? 'error'}: ${(err as Error | undefined)?.message ?? String(err)})`,
      )
  }
}

/**
 * Runs `listen` (a server's listen on `target`); its failure becomes the ListenError naming the
 * target's variables. `await listenOn(target, () => app.listen({ port, host }))`.
 */
export async function listenOn<T>(target: ListenTarget, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen()
  } catch (err) {
    throw listenError(err, target)
  }
}
