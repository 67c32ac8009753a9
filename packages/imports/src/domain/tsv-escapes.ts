const BACKSLASH = 0x5c
const TAB = 0x09
const LF = 0x0a
const CR = 0x0d
const SPACE = 0x20
const HEX = 0x78 // x
const NULL = 0x4e // N
/** `\a` (BEL) and `\e` (ESC): control characters no TSV writer emits, as in `C:\archive`. */
const CONTROL = new Set([0x61, 0x65])

/** Why an escape is refused, for the refusal's reason. */
export type TsvEscapeProblem = 'hex' | 'null-inside' | 'control' | 'before-tab' | 'line-end'

/**
 * A TSV record with a backslash escape that the engine's TabSeparated reader would read otherwise
 * than written, or could not read at all (a backslash at the very end of the file stops it).
 */
export interface TsvMalformedRecord {
  /** Byte offset of the record's first byte. */
  start: number
  /** Byte offset of the record's line end (its LF, or the CR of its CRLF), or of the end of the file. */
  end: number
  /** 1-based line of the escape. */
  line: number
  /** 1-based column (field) of the escape. */
  column: number
  /** The escape as written: `\x`, `\N`, `\a`, `\e`, or `\` alone. */
  escape: string
  problem: TsvEscapeProblem
  /** The first record with content: the header. */
  header: boolean
}

export interface TsvEscapeScan {
  push(bytes: Uint8Array): void
  /** The file ends. `oldMac`: its lines end with a lone CR, and none with LF. */
  end(): { oldMac: boolean }
  /** The records with a malformed escape, in file order (complete once end() was called). */
  malformed(): readonly TsvMalformedRecord[]
}

// States of the scan (plain numbers: the loop runs over every byte).
const TEXT = 0
const AFTER_BACKSLASH = 1
/** `\N` at the start of a field: no value, if the field ends there. */
const AFTER_NULL = 2

/**
 * Follows a TSV file's backslashes as ClickHouse's TabSeparated reader decodes them. Decoded as
 * their writers (ClickHouse, MySQL, PostgreSQL) mean them: `\\ \t \n \r \b \f \v \0 \' \"`, and
 * `\N` as a whole field (no value); a backslash before any other character is kept as written
 * (`C:\Users` stays `C:\Users`). Found here, one per record, the escapes it reads otherwise than
 * written: `\x` (the next two bytes read as one byte in hex, whatever they are: `\x4<tab>` takes
 * the tab), `\N` inside a value (dropped: `a\Nb` is `ab`), `\a` and `\e` (control characters), a
 * backslash before a tab (the tab taken into the value, the columns after it shifted) or at the
 * end of a line (the next line joined to the value; at the end of the file, the reader stops).
 * A line ends at LF; a CR before it belongs to the line end (CRLF).
 */
export function createTsvEscapeScan(): TsvEscapeScan {
  let state = TEXT
  let line = 1
  let column = 1
  let offset = 0
  let prev = 0
  let fieldStart = true
  let escapeAtFieldStart = false
  let recordStart = 0
  let records = 0
  let content = false
  let sawLF = false
  let loneCR = false
  let bad: TsvMalformedRecord | undefined
  const found: TsvMalformedRecord[] = []
  const malformed = (escape: string, problem: TsvEscapeProblem) => {
    if (bad) return
    bad = { start: recordStart, end: -1, line, column, escape, problem, header: records === 0 }
    found.push(bad)
  }
  return {
    push(bytes) {
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i] as number
        if (prev === CR && b !== LF) loneCR = true
        if (state === AFTER_NULL) {
          state = TEXT
          if (b !== TAB && b !== LF && b !== CR) malformed('\\N', 'null-inside')
        } else if (state === AFTER_BACKSLASH) {
          state = TEXT
          if (b === LF || b === CR) malformed('\\', 'line-end')
          else if (b === TAB) malformed('\\', 'before-tab')
          else if (b === HEX) malformed('\\x', 'hex')
          else if (CONTROL.has(b)) malformed(`\\${String.fromCharCode(b)}`, 'control')
          else if (b === NULL) {
            if (escapeAtFieldStart) state = AFTER_NULL
            else malformed('\\N', 'null-inside')
          }
          // The escaped byte is taken as it is (a LF still ends the line, for the next record).
          if (b !== LF) {
            prev = b
            continue
          }
        }
        if (b === LF) {
          sawLF = true
          if (bad) {
            bad.end = offset + i - (prev === CR ? 1 : 0)
            bad = undefined
          }
          if (content) records++
          content = false
          line++
          column = 1
          fieldStart = true
          recordStart = offset + i + 1
        } else if (b === TAB) {
          column++
          fieldStart = true
        } else if (b !== CR) {
          if (b !== SPACE) content = true
          if (b === BACKSLASH) {
            state = AFTER_BACKSLASH
            escapeAtFieldStart = fieldStart
          }
          fieldStart = false
        }
        prev = b
      }
      offset += bytes.length
    },
    end() {
      if (state === AFTER_BACKSLASH) malformed('\\', 'line-end')
      if (prev === CR) loneCR = true
      if (bad) {
        bad.end = offset
        bad = undefined
      }
      return { oldMac: loneCR && !sawLF }
    },
    malformed: () => found,
  }
}
