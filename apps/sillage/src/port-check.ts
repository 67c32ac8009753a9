import { createServer } from 'node:net'
import { listenError, type ListenTarget } from '@sillage/runtime'

/** `sillage start` listens on `variable` (its port) and SILLAGE_HOST (docs/errors.md, CLI). */
export function startTarget(host: string, port: number, variable = 'SILLAGE_PORT'): ListenTarget {
  return { variable, hostVariable: 'SILLAGE_HOST', host, port, hint: 'another sillage start?' }
}

/** Another `sillage start` runs on the data dir: one line for the operator, exit 1 (main.ts). */
export class DataDirInUseError extends Error {
  readonly code = 'SIL_DATA_DIR_IN_USE'
  constructor(message: string) {
    super(`SIL_DATA_DIR_IN_USE: ${message}`)
    this.name = 'DataDirInUseError'
  }
}

/**
 * Fails fast, before migrations and the bus open, when host:port cannot be listened on (the usual
 * case: another `start` holds it). Port 0 (any free port) is probed too: its host may be wrong.
 */
export async function assertCanListen(host: string, port: number, variable = 'SILLAGE_PORT'): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer()
    probe.once('error', (err) => reject(listenError(err, startTarget(host, port, variable))))
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
  throw new DataDirInUseError(
    `SILLAGE_DATA_DIR: another sillage start (pid ${running.pid}, ${running.url}) already runs on ` +
      `${dataDir}; stop it, or set another SILLAGE_DATA_DIR`,
  )
}
