import { closeSync, openSync, readSync } from 'node:fs'
import { ImportFileError } from './import-file-error.js'

/** How the engine must decompress a file: told explicitly, whatever the file is named. */
export type Compression = 'gzip' | 'zstd' | 'none'

/** The first bytes of a file (up to 512). */
export function readHead(path: string): Buffer {
  const head = Buffer.alloc(512)
  const fd = openSync(path, 'r')
  try {
    return head.subarray(0, readSync(fd, head, 0, head.length, 0))
  } finally {
    closeSync(fd)
  }
}

/**
 * The compression a file's first bytes show (gzip `1f 8b`, zstd `28 b5 2f fd`), not its name: an
 * upload saved as `….csv` or a `catalogue.gz` is read decompressed all the same, in the CLI and
 * in `sillage start`'s admin upload alike.
 */
export function compressionOf(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip'
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd'
  return 'none'
}

/** UTF-16 (or UTF-32) text is refused before the engine reads it as garbage. */
export function checkEncoding(head: Uint8Array, file: string) {
  const bom = (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)
  if (bom || head.includes(0)) {
    throw new ImportFileError(
      'SIL_IMPORT_FILE_ENCODING',
      file,
      `it is ${bom ? 'UTF-16' : 'not UTF-8'} text; save it as UTF-8 (Excel: "CSV UTF-8") and import it again`,
    )
  }
}
