import { createReadStream } from 'node:fs'
import { createGunzip } from 'node:zlib'
import { ImportFileError } from './import-file-error.js'
import type { Compression } from './file-head.js'

const CHUNK = 1 << 20

/** Node's zlib codes for a stream that ends before its end (truncated) and for bytes that are not gzip. */
const CUT_SHORT = new Set(['Z_BUF_ERROR'])

/** Why a gzip stream could not be decompressed, for a refusal with SIL_IMPORT_FILE_UNREADABLE. */
function gzipRefusal(err: unknown, file: string): ImportFileError {
  const code = (err as { code?: unknown }).code
  const detail = err instanceof Error ? err.message : String(err)
  return new ImportFileError(
    'SIL_IMPORT_FILE_UNREADABLE',
    file,
    typeof code === 'string' && CUT_SHORT.has(code)
      ? 'its gzip data is cut short (the compressed file ends before its gzip stream does: a download or a copy that stopped?); get the whole file and import it again'
      : `it starts as gzip (its first bytes are 1f 8b) but its gzip data is broken (${detail}); compress it again (gzip) and import it again`,
    { cause: err },
  )
}

async function* gunzipped(path: string, file: string): AsyncGenerator<Buffer> {
  const source = createReadStream(path, { highWaterMark: CHUNK })
  const gunzip = createGunzip({ chunkSize: 1 << 16 })
  source.on('error', (err) => gunzip.destroy(err))
  source.pipe(gunzip)
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) yield chunk
  } catch (err) {
    // A file that cannot be read (its own error, with a syscall) is not a gzip problem.
    if ((err as { syscall?: unknown }).syscall !== undefined) throw err
    throw gzipRefusal(err, file)
  } finally {
    source.destroy()
    gunzip.destroy()
  }
}

/**
 * A file's bytes as text, in chunks of up to 1 MiB: read from the disk, or decompressed as they
 * are read (node:zlib: a gzip file is never held whole, in memory or on the disk). A gzip stream
 * that is cut short or broken fails with SIL_IMPORT_FILE_UNREADABLE. undefined for zstd (Node 20's
 * zlib has no zstd: such a file is decompressed by the engine alone).
 */
export function fileChunks(
  path: string,
  compression: Compression,
  file: string,
): AsyncIterable<Buffer> | undefined {
  if (compression === 'zstd') return undefined
  if (compression === 'gzip') return gunzipped(path, file)
  return createReadStream(path, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>
}
