import { randomBytes } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import type { RecordToSetAside } from '../domain/refused-records.js'

/** A refused record's text is kept up to this many bytes in the rejected file. */
const TEXT_MAX = 64 << 10
/** Bytes from `at` that a reason may quote. */
const AFTER_MAX = 24

/** Why a set-aside record is refused, and its text (the engine could not split it into fields). */
export interface SetAsideRow {
  reason: string
  text: string
}

export interface SetAside {
  /** The copy the engine reads instead of the file (uncompressed). */
  path: string
  /** The refusal a row of the copy stands for (its first column), else undefined. */
  refusal(c1: unknown): SetAsideRow | undefined
  dispose(): void
}

/** The bytes of [from, to) that fall in `chunk`, which starts at `pos`. */
const within = (chunk: Buffer, pos: number, from: number, to: number): Buffer | undefined => {
  const a = Math.max(from, pos)
  const b = Math.min(to, pos + chunk.length)
  return a < b ? chunk.subarray(a - pos, b - pos) : undefined
}

/**
 * The engine's readers stop at, or misread, a record they cannot parse as written (csv-quotes.ts,
 * tsv-escapes.ts), with no row to resume at. So, as the reader marks a row with more fields than
 * the header, such a record is marked in a copy of the file: its bytes up to its line end replaced
 * by one unquoted field, a token of this read and its refusal (base64url: no delimiter, no quote,
 * no backslash). The engine reads the copy as the file, each such record one row, so row numbers
 * and counts stay the file's. Blank lines before the header (`lead` bytes), which the engine
 * would take as the header, are left out of the copy. The copy is written from the file's chunks in one pass (a gzip
 * file's decompressed as they come: fileChunks), in the system's temporary directory.
 */
export async function setAside(
  chunks: AsyncIterable<Buffer>,
  path: string,
  records: readonly RecordToSetAside[],
  lead = 0,
): Promise<SetAside> {
  const dir = mkdtempSync(join(tmpdir(), 'sil-import-'))
  const copy = join(dir, basename(path).replace(/\.(gz|zst)$/i, ''))
  const token = `sil_import_malformed_${randomBytes(12).toString('hex')}:`
  try {
    const dst = openSync(copy, 'w')
    try {
      let next = 0
      let text: Buffer[] = []
      let after: Buffer[] = []
      const mark = (r: RecordToSetAside) => {
        const row: SetAsideRow = {
          reason: r.reason(Buffer.concat(after).toString('utf8')),
          text: Buffer.concat(text).toString('utf8'),
        }
        writeSync(dst, `${token}${Buffer.from(JSON.stringify(row)).toString('base64url')}`)
        text = []
        after = []
        next++
      }
      let pos = 0
      for await (const chunk of chunks) {
        let off = 0
        while (off < chunk.length) {
          const r = records[next]
          const at = pos + off
          if (at < lead) {
            off += Math.min(chunk.length - off, lead - at)
            continue
          }
          if (!r || at < r.start) {
            const n = r ? Math.min(chunk.length - off, r.start - at) : chunk.length - off
            writeSync(dst, chunk, off, n)
            off += n
            continue
          }
          const n = Math.min(chunk.length - off, r.end - at)
          const part = chunk.subarray(off, off + n)
          const t = within(part, at, r.start, r.start + TEXT_MAX)
          if (t) text.push(Buffer.from(t))
          const a = within(part, at, r.at, r.at + AFTER_MAX)
          if (a) after.push(Buffer.from(a))
          off += n
          if (at + n === r.end) mark(r)
        }
        pos += chunk.length
      }
      // A record that runs to the end of the file.
      while (records[next]) mark(records[next] as RecordToSetAside)
    } finally {
      closeSync(dst)
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  return {
    path: copy,
    refusal(c1) {
      if (typeof c1 !== 'string' || !c1.startsWith(token)) return undefined
      return JSON.parse(Buffer.from(c1.slice(token.length), 'base64url').toString('utf8')) as SetAsideRow
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  }
}
