/** Small fsync-aware file helpers: the only place that knows how to make a write durable. */
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'

/** Makes entries created, renamed or removed in `dir` durable. */
export function fsyncDirSync(dir: string): void {
  const fd = fs.openSync(dir, 'r')
  try {
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * The file operations of a partition's append path (open, write, sync, truncate, close), behind
 * one object so that a test can make them fail as a full or failing disk would (fault-file-ops.ts).
 * Same signatures as node:fs; `fs` itself satisfies it.
 */
export interface LogFileOps {
  open(path: string, flags: number, callback: (err: NodeJS.ErrnoException | null, fd: number) => void): void
  write(
    fd: number,
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
    callback: (err: NodeJS.ErrnoException | null, written: number) => void,
  ): void
  fdatasync(fd: number, callback: (err: NodeJS.ErrnoException | null) => void): void
  ftruncate(fd: number, len: number, callback: (err: NodeJS.ErrnoException | null) => void): void
  close(fd: number, callback: (err: NodeJS.ErrnoException | null) => void): void
}

export const NODE_FILE_OPS: LogFileOps = fs

/** Writes the whole buffer at `position`, looping over short writes. */
export function writeAll(fd: number, buf: Buffer, position: number, ops: LogFileOps = fs): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (done: number): void => {
      if (done === buf.length) {
        resolve()
        return
      }
      ops.write(fd, buf, done, buf.length - done, position + done, (err, written) => {
        if (err) reject(err)
        else step(done + written)
      })
    }
    step(0)
  })
}

export function fdatasync(fd: number, ops: LogFileOps = fs): Promise<void> {
  return new Promise((resolve, reject) => {
    ops.fdatasync(fd, (err) => (err ? reject(err) : resolve()))
  })
}

export function ftruncate(fd: number, length: number, ops: LogFileOps = fs): Promise<void> {
  return new Promise((resolve, reject) => {
    ops.ftruncate(fd, length, (err) => (err ? reject(err) : resolve()))
  })
}

export function openFile(file: string, flags: number, ops: LogFileOps = fs): Promise<number> {
  return new Promise((resolve, reject) => {
    ops.open(file, flags, (err, fd) => (err ? reject(err) : resolve(fd)))
  })
}

export function closeFile(fd: number, ops: LogFileOps = fs): Promise<void> {
  return new Promise((resolve, reject) => {
    ops.close(fd, (err) => (err ? reject(err) : resolve()))
  })
}

/** Replaces `file` atomically: temp file, fsync, rename over, fsync the directory. */
export async function writeFileAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}.tmp`
  const handle = await fsp.open(tmp, 'w')
  try {
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await fsp.rename(tmp, file)
  await fsyncDir(path.dirname(file))
}

export function isErrnoException(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code
}
