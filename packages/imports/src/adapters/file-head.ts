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

/** Past this, a first line is cut: enough to count a header's columns past any limit. */
const FIRST_LINE_MAX = 32 << 20

/** Collects a file's first non-blank line from its chunks; push() answers whether it is complete. */
function createFirstLine() {
  const parts: Buffer[] = []
  let size = 0
  let started = false
  return {
    push(bytes: Buffer): boolean {
      let chunk = bytes
      if (!started) {
        const text = chunk.findIndex((b) => b !== 0x0a && b !== 0x0d && b !== 0x20 && b !== 0x09)
        if (text === -1) return false
        chunk = chunk.subarray(text)
        started = true
      }
      const end = chunk.findIndex((b) => b === 0x0a || b === 0x0d)
      parts.push(Buffer.from(end === -1 ? chunk : chunk.subarray(0, end)))
      size += chunk.length
      return end !== -1 || size >= FIRST_LINE_MAX
    },
    text: () => Buffer.concat(parts).toString('utf8'),
  }
}

/**
 * The first non-blank line of an uncompressed file, read from the disk up to its first line end
 * (LF, or CR: a lone CR file is one "line" to a line reader, which would hold the whole file).
 */
export function firstLineOf(path: string): string {
  const fd = openSync(path, 'r')
  try {
    const line = createFirstLine()
    for (;;) {
      const buf = Buffer.alloc(1 << 16)
      const n = readSync(fd, buf, 0, buf.length, null)
      if (n === 0 || line.push(buf.subarray(0, n))) break
    }
    return line.text()
  } finally {
    closeSync(fd)
  }
}

/** The same from a file's chunks (fileChunks: a gzip file's, decompressed), which it stops reading there. */
export async function firstLineIn(chunks: AsyncIterable<Buffer>): Promise<string> {
  const line = createFirstLine()
  for await (const chunk of chunks) if (line.push(chunk)) break
  return line.text()
}
