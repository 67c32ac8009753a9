import { createServer } from 'node:net'

/** `sillage start` cannot listen: one line for the operator, exit 1 (apps/sillage/src/main.ts). */
export class ListenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ListenError'
  }
}

/** The one-line reason for a failed listen on host:port. */
export function listenFailure(err: unknown, host: string, port: number): ListenError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  const where = `${host}:${port}`
  const message =
    code === 'EADDRINUSE'
      ? `sillage start: port ${port} is already in use on ${host} (another sillage start?); stop it or set SILLAGE_PORT`
      : code === 'EACCES'
        ? `sillage start: no permission to listen on ${where}; choose a port above 1023 with SILLAGE_PORT`
        : code === 'EADDRNOTAVAIL'
          ? `sillage start: ${host} is not an address of this machine; check SILLAGE_HOST`
          : `sillage start: cannot listen on ${where}: ${(err as Error | undefined)?.message ?? String(err)}`
  return new ListenError(message, { cause: err })
}

/**
 * Fails fast, before migrations and the bus open, when host:port cannot be listened on (the usual
 * case: another `start` holds it). Port 0 (any free port) always passes.
 */
export async function assertCanListen(host: string, port: number): Promise<void> {
  if (port === 0) return
  await new Promise<void>((resolve, reject) => {
    const probe = createServer()
    probe.once('error', (err) => reject(listenFailure(err, host, port)))
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()))
  })
}
