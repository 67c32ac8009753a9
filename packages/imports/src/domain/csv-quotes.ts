const QUOTE = 0x22
const LF = 0x0a
const CR = 0x0d
const SPACE = 0x20
const TAB = 0x09

// States of the scan (plain numbers: the loop runs over every byte).
const FIELD_START = 0
const UNQUOTED = 1
const QUOTED = 2
const AFTER_CLOSE = 3
/** Spaces or tabs after a closing quote: the reader skips them before the delimiter. */
const AFTER_CLOSE_SPACE = 4

/**
 * A record the reader cannot parse: a quoted value followed by more text before the next
 * delimiter (`"s1"x`, `"a"""b"`), which stops the engine's CSV reader with no row to resume at.
 */
export interface MalformedRecord {
  /** Byte offset of the record's first byte. */
  start: number
  /** Byte offset of the byte after the closing quote that should have been a delimiter. */
  at: number
  /** Byte offset of the record's line end (LF or CR outside quotes), or of the end of the file. */
  end: number
  /** 1-based line of that byte (LF, CRLF and a lone CR each end a line). */
  line: number
  /** The first record with content: the header. */
  header: boolean
}

export interface CsvQuoteScan {
  push(bytes: Uint8Array): void
  /** The 1-based line of a quote opened and never closed (the file ends inside that value), else undefined. */
  end(): number | undefined
  /** The records the reader cannot parse, in file order (complete once end() was called). */
  malformed(): readonly MalformedRecord[]
}

/**
 * Follows a CSV file's quotes byte by byte, as the engine's reader does: a quote opens a quoted
 * value only at the start of a field, after any spaces or tabs (`TV 55"` is text); `""` inside is
 * a quote; spaces or tabs may follow the closing quote. A value whose quote is never closed runs
 * to the end of the file: the reader takes every line after it as that one value, silently. A
 * closing quote followed by other text stops the reader there. This finds both, so that the
 * import refuses the file for the first and the record alone for the second.
 */
export function createCsvQuoteScan(delimiter: number): CsvQuoteScan {
  let state: number = FIELD_START
  let line = 1
  let openedAt = 0
  let prev = 0
  let offset = 0
  let recordStart = 0
  /** Records with content before this one (the first is the header); this record has content. */
  let records = 0
  let content = false
  let bad: MalformedRecord | undefined
  const found: MalformedRecord[] = []
  const malformedAt = (at: number, ln: number) => {
    if (bad) return
    bad = { start: recordStart, at, end: -1, line: ln, header: records === 0 }
    found.push(bad)
  }
  return {
    push(bytes) {
      // Locals in the loop, written back once: this runs over every byte of the file.
      let st = state
      let ln = line
      let opened = openedAt
      let pb = prev
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i] as number
        // A LF right after a CR ends the same line (CRLF); a lone CR ends one (old Mac exports).
        if (b === LF ? pb !== CR : b === CR) ln++
        pb = b
        if (st === QUOTED) {
          if (b === QUOTE) st = AFTER_CLOSE
        } else if (b === LF || b === CR) {
          if (bad) {
            bad.end = offset + i
            bad = undefined
          }
          if (content) records++
          content = false
          recordStart = offset + i + 1
          st = FIELD_START
        } else if (b === delimiter) {
          content = true
          st = FIELD_START
        } else if (st === FIELD_START) {
          if (b === QUOTE) {
            st = QUOTED
            opened = ln
            content = true
          } else if (b !== SPACE && b !== TAB) {
            st = UNQUOTED
            content = true
          }
        } else if (st === AFTER_CLOSE) {
          if (b === QUOTE)
            st = QUOTED // "" inside a quoted value
          else if (b === SPACE || b === TAB) st = AFTER_CLOSE_SPACE
          else {
            malformedAt(offset + i, ln)
            st = UNQUOTED
          }
        } else if (st === AFTER_CLOSE_SPACE && b !== SPACE && b !== TAB) {
          malformedAt(offset + i, ln)
          st = UNQUOTED
        }
      }
      state = st
      line = ln
      openedAt = opened
      prev = pb
      offset += bytes.length
    },
    end() {
      if (bad) {
        bad.end = offset
        bad = undefined
      }
      return state === QUOTED ? openedAt : undefined
    },
    malformed: () => found,
  }
}
