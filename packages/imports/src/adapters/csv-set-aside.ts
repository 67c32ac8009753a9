import { randomBytes } from 'node:crypto'
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import type { MalformedRecord } from '../domain/csv-quotes.js'

const CHUNK = 1 << 20
/** A refused record's text is kept up to this many bytes in the rejected file. */
const TEXT_MAX = 64 << 10
/** Bytes after the closing quote that a reason quotes. */
const AFTER_MAX = 24

/** Why a malformed record is refused, and its text (the engine could not split it into fields). */
export interface SetAsideRow {
  reason: string
  text: string
}

export interface SetAside {
  /** The copy the engine reads instead of the file. */
  path: string
  /** The refusal a row of the copy stands for (its first column), else undefined. */
  refusal(c1: unknown): SetAsideRow | undefined
  dispose(): void
}

function copyRange(src: number, dst: number, from: number, to: number, buf: Buffer) {
  for (let pos = from; pos < to;) {
    const n = readSync(src, buf, 0, Math.min(buf.length, to - pos), pos)
    if (n === 0) return
    writeSync(dst, buf, 0, n)
    pos += n
  }
}

function readRange(fd: number, from: number, length: number): string {
  const b = Buffer.alloc(Math.max(0, length))
  return b.subarray(0, readSync(fd, b, 0, b.length, from)).toString('utf8')
}

/**
 * The engine's CSV reader stops at a record it cannot parse (`"s1"x`: text after a closing
 * quote), with no row to resume at, and its error-skipping resynchronises on the next LF (a lone
 * CR file would lose every row after it). So, as the reader marks a row with more fields than the
 * header, such a record is marked in a copy of the file: its bytes up to its line end replaced by
 * one unquoted field, a token of this read and its refusal (base64url: no delimiter, no quote).
 * The engine reads the copy as the file, each malformed record one row, so row numbers and
 * counts stay the file's. Only a file with such a record is copied; one pass, no engine query.
 */
export function setAsideMalformed(
  path: string,
  records: readonly MalformedRecord[],
  delimiterName: string,
): SetAside {
  const dir = mkdtempSync(join(tmpdir(), 'sil-import-'))
  const copy = join(dir, basename(path))
  const token = `sil_import_malformed_${randomBytes(12).toString('hex')}:`
  const src = openSync(path, 'r')
  try {
    const dst = openSync(copy, 'w')
    try {
      const buf = Buffer.alloc(CHUNK)
      let pos = 0
      for (const r of records) {
        copyRange(src, dst, pos, r.start, buf)
        const after = readRange(src, r.at, Math.min(AFTER_MAX, r.end - r.at))
          .replace(/[\r\n].*$/s, '')
          .replace(/\uFFFD+$/, '')
        const row: SetAsideRow = {
          reason: `line ${r.line}: a closing quote is followed by ${JSON.stringify(after)} instead of ${delimiterName} or the line's end; a value holding a quote is written whole in quotes, the quote doubled ("ab""c" for ab"c)`,
          text: readRange(src, r.start, Math.min(TEXT_MAX, r.end - r.start)),
        }
        writeSync(dst, `${token}${Buffer.from(JSON.stringify(row)).toString('base64url')}`)
        pos = r.end
      }
      copyRange(src, dst, pos, fstatSync(src).size, buf)
    } finally {
      closeSync(dst)
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  } finally {
    closeSync(src)
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
