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

/** Writes the whole buffer at `position`, looping over short writes. */
export function writeAll(fd: number, buf: Buffer, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (done: number): void => {
      if (done === buf.length) {
        resolve()
        return
      }
      fs.write(fd, buf, done, buf.length - done, position + done, (err, written) => {
        if (err) reject(err)
        else step(done + written)
      })
    }
    step(0)
  })
}

export function fdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.fdatasync(fd, (err) => (err ? reject(err) : resolve()))
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
