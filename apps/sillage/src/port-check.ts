import { createServer } from 'node:net'

/** The codes of a start that cannot listen or cannot have its data dir (docs/errors.md, CLI). */
export type ListenErrorCode = 'SIL_LISTEN_FAILED' | 'SIL_DATA_DIR_IN_USE'

/** `sillage start` cannot listen: one line for the operator, exit 1 (apps/sillage/src/main.ts). */
export class ListenError extends Error {
  constructor(
    readonly code: ListenErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options)
    this.name = 'ListenError'
  }
}

const HOST_HINT = 'e.g. 127.0.0.1, or 0.0.0.0 for all'

/**
 * The one-line reason for a failed listen on host:port, whose port is set with `variable` and the
 * host with SILLAGE_HOST: the variable to change first, then the address.
 */
export function listenFailure(
  err: unknown,
  host: string,
  port: number,
  variable = 'SILLAGE_PORT',
): ListenError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  const where = `${host}:${port}`
  const message =
    code === 'EADDRINUSE'
      ? `${variable}: ${where} is already in use (another sillage start?); stop it or set another ${variable}`
      : code === 'EACCES'
        ? `${variable}: no permission to listen on ${where}; choose a port above 1023 with ${variable}`
        : code === 'EADDRNOTAVAIL'
          ? `SILLAGE_HOST: ${host} is not an address of this machine (listening on ${where}); use one of its addresses, ${HOST_HINT}`
          : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
            ? `SILLAGE_HOST: ${JSON.stringify(host)} does not resolve to an address (${code}); use an address of this machine, ${HOST_HINT}`
            : `${variable}: cannot listen on ${where} (${code ?? 'error'}: ${(err as Error | undefined)?.message ?? String(err)})`
  return new ListenError('SIL_LISTEN_FAILED', message, { cause: err })
}

/**
 * Fails fast, before migrations and the bus open, when host:port cannot be listened on (the usual
 * case: another `start` holds it). Port 0 (any free port) is probed too: its host may be wrong.
 */
export async function assertCanListen(host: string, port: number, variable = 'SILLAGE_PORT'): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer()
    probe.once('error', (err) => reject(listenFailure(err, host, port, variable)))
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()))
  })
}

/** The profiles thread's port when SILLAGE_PROFILES_PORT is unset: the standalone service's. */
export const DEFAULT_PROFILES_PORT = 8090

/**
 * The port the profiles thread listens on: SILLAGE_PROFILES_PORT, checked like SILLAGE_PORT; unset,
 * 8090, or any free port when 8090 is taken (a second `start`) or the collector's port is 0 (any).
 */
export async function profilesPortFor(
  host: string,
  collectorPort: number,
  set: number | undefined,
): Promise<number> {
  if (set !== undefined) {
    await assertCanListen(host, set, 'SILLAGE_PROFILES_PORT')
    return set
  }
  if (collectorPort === 0 || collectorPort === DEFAULT_PROFILES_PORT) return 0
  return assertCanListen(host, DEFAULT_PROFILES_PORT).then(
    () => DEFAULT_PROFILES_PORT,
    () => 0,
  )
}

/**
 * Fails fast when another `sillage start` runs on this data dir (its runtime file, a live pid):
 * its chDB holds the data dir's lock, and the engine would refuse with a raw "Cannot lock file".
 */
export function assertDataDirFree(dataDir: string, running: { pid: number; url: string } | undefined): void {
  if (!running) return
  throw new ListenError(
    'SIL_DATA_DIR_IN_USE',
    `SILLAGE_DATA_DIR: another sillage start (pid ${running.pid}, ${running.url}) already runs on ` +
      `${dataDir}; stop it, or set another SILLAGE_DATA_DIR`,
  )
}
