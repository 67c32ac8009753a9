const QUOTE = 0x22
const LF = 0x0a
const CR = 0x0d
const SPACE = 0x20

// States of the scan (plain numbers: the loop runs over every byte).
const FIELD_START = 0
const UNQUOTED = 1
const QUOTED = 2
const AFTER_CLOSE = 3

export interface CsvQuoteScan {
  push(bytes: Uint8Array): void
  /** The 1-based line of a quote opened and never closed (the file ends inside that value), else undefined. */
  end(): number | undefined
}

/**
 * Follows a CSV file's quotes byte by byte, as the reader does: a quote opens a quoted value only
 * at the start of a field (`TV 55"` is text), `""` inside is a quote. A value whose quote is never
 * closed runs to the end of the file: the reader takes every line after it as that one value,
 * silently. This finds it so that the import refuses the file instead of losing those rows.
 */
export function createCsvQuoteScan(delimiter: number): CsvQuoteScan {
  let state: number = FIELD_START
  let line = 1
  let openedAt = 0
  return {
    push(bytes) {
      // Locals in the loop, written back once: this runs over every byte of the file.
      let st = state
      let ln = line
      let opened = openedAt
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i] as number
        if (b === LF) ln++
        if (st === QUOTED) {
          if (b === QUOTE) st = AFTER_CLOSE
        } else if (st === FIELD_START) {
          if (b === QUOTE) {
            st = QUOTED
            opened = ln
          } else if (b !== delimiter && b !== LF && b !== CR && b !== SPACE) st = UNQUOTED
        } else if (b === QUOTE && st === AFTER_CLOSE) {
          st = QUOTED // "" inside a quoted value
        } else if (b === delimiter || b === LF || b === CR) st = FIELD_START
        else st = UNQUOTED
      }
      state = st
      line = ln
      openedAt = opened
    },
    end: () => (state === QUOTED ? openedAt : undefined),
  }
}
