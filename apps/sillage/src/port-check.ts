import { createServer } from 'node:net'

/** `sillage start` cannot listen: one line for the operator, exit 1 (apps/sillage/src/main.ts). */
export class ListenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ListenError'
  }
}

/** The one-line reason for a failed listen on host:port, whose port is set with `variable`. */
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
      ? `sillage start: port ${port} is already in use on ${host} (another sillage start?); stop it or set ${variable}`
      : code === 'EACCES'
        ? `sillage start: no permission to listen on ${where}; choose a port above 1023 with ${variable}`
        : code === 'EADDRNOTAVAIL'
          ? `sillage start: ${host} is not an address of this machine; check SILLAGE_HOST`
          : `sillage start: cannot listen on ${where}: ${(err as Error | undefined)?.message ?? String(err)}`
  return new ListenError(message, { cause: err })
}

/**
 * Fails fast, before migrations and the bus open, when host:port cannot be listened on (the usual
 * case: another `start` holds it). Port 0 (any free port) always passes.
 */
export async function assertCanListen(host: string, port: number, variable = 'SILLAGE_PORT'): Promise<void> {
  if (port === 0) return
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
    `sillage start: another sillage start (pid ${running.pid}, ${running.url}) already runs on the data dir ` +
      `${dataDir}; stop it, or set another SILLAGE_DATA_DIR`,
  )
}
