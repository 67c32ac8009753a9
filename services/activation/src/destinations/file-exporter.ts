import {
  existsSync,
  mkdirSync,
  realpathSync,
  renameSync,
  writeFileSync,
  openSync,
  fsyncSync,
  closeSync,
} from 'node:fs'
import { dirname, isAbsolute, join, relative, sep } from 'node:path'
import { batchKey, renderFile, type DeliveryItem } from '../domain/delivery-payload.js'
import { resolveExportDirectory } from '../domain/destination-target.js'

/**
 * Writes a batch to `<directory>/<destination>-<key>.<csv|ndjson>`, atomically (temp file, fsync,
 * rename), under the data dir only (a directory leading out of it, by `..` or a symlink, throws). The name derives from
 * the batch's items, so a batch written again after a crash (before its delivery was recorded)
 * replaces its own file instead of adding a second.
 */
export function createFileExporter(opts: {
  id: string
  directory: string
  format: 'csv' | 'ndjson'
  dataDir: string
}) {
  const dir = resolveExportDirectory(opts.dataDir, opts.directory)
  return function write(items: readonly DeliveryItem[]): string {
    // The check above is on the path's text: a symlink inside the data dir (`exports` -> /etc)
    // would still lead the write out of it, so the real directory is checked too, before anything
    // is created and again after.
    insideRealDataDir(opts.dataDir, dir, opts.directory)
    mkdirSync(dir, { recursive: true })
    insideRealDataDir(opts.dataDir, dir, opts.directory)
    const file = join(dir, `${opts.id}-${batchKey(opts.id, items).slice(0, 16)}.${opts.format}`)
    const tmp = `${file}.tmp`
    writeFileSync(tmp, renderFile(opts.format, items), { mode: 0o600 })
    const fd = openSync(tmp, 'r')
    fsyncSync(fd)
    closeSync(fd)
    renameSync(tmp, file)
    return file
  }
}

/** A path with its deepest existing ancestor's symlinks resolved (the rest does not exist yet). */
function realPath(path: string): string {
  let existing = path
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing)
  return join(realpathSync(existing), relative(existing, path))
}

/** Throws unless `dir` is really (symlinks resolved) under the data dir. */
function insideRealDataDir(dataDir: string, dir: string, configured: string): void {
  const rel = relative(realPath(dataDir), realPath(dir))
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    throw new RangeError(
      `file destination directory ${JSON.stringify(configured)}: a symlink leads out of the data dir`,
    )
}
