import { mkdirSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs'
import { join } from 'node:path'
import { batchKey, renderFile, type DeliveryItem } from '../domain/delivery-payload.js'
import { resolveExportDirectory } from '../domain/destination-target.js'

/**
 * Writes a batch to `<directory>/<destination>-<key>.<csv|ndjson>`, atomically (temp file, fsync,
 * rename), under the data dir only (a directory leading out of it throws). The name derives from
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
    mkdirSync(dir, { recursive: true })
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
