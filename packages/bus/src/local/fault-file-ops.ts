/**
 * A fault-injecting file layer for tests of the append path: a disk that fills up or fails.
 * `fail(code, afterBytes)` lets `afterBytes` more bytes be written, cutting the write that crosses
 * that budget short (as a disk filling up mid-write does, leaving a torn record at the end of the
 * segment); every write after that fails with the errno until `heal()`. Opens, syncs, truncations
 * and closes pass through: on a full disk, truncating is what frees space.
 */
import fs from 'node:fs'
import type { LogFileOps } from './durable-fs.js'

export type InjectedFault = 'ENOSPC' | 'EIO'

export interface FaultFileOps extends LogFileOps {
  /** Writes fail with `code` once `afterBytes` (default 0) more bytes have been written. */
  fail(code: InjectedFault, afterBytes?: number): void
  /** Writes succeed again. */
  heal(): void
  /** Writes that failed since creation. */
  readonly failedWrites: number
}

const MESSAGES: Record<InjectedFault, string> = {
  ENOSPC: 'no space left on device',
  EIO: 'i/o error',
}

export function createFaultFileOps(base: LogFileOps = fs): FaultFileOps {
  let fault: InjectedFault | undefined
  let remaining = 0
  let failedWrites = 0
  return {
    open: (file, flags, callback) => base.open(file, flags, callback),
    fdatasync: (fd, callback) => base.fdatasync(fd, callback),
    ftruncate: (fd, len, callback) => base.ftruncate(fd, len, callback),
    close: (fd, callback) => base.close(fd, callback),
    write(fd, buffer, offset, length, position, callback) {
      if (fault === undefined) return base.write(fd, buffer, offset, length, position, callback)
      const code = fault
      if (remaining > 0) {
        const n = Math.min(remaining, length)
        remaining -= n
        return base.write(fd, buffer, offset, n, position, callback)
      }
      failedWrites++
      const err: NodeJS.ErrnoException = Object.assign(new Error(`${code}: ${MESSAGES[code]}, write`), {
        code,
        errno: code === 'ENOSPC' ? -28 : -5,
        syscall: 'write',
      })
      process.nextTick(callback, err, 0)
    },
    fail(code, afterBytes = 0) {
      fault = code
      remaining = afterBytes
    },
    heal() {
      fault = undefined
    },
    get failedWrites() {
      return failedWrites
    },
  }
}
