import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import type { CollectorSender } from './adapters/collector-sender.js'
import { createFileReader } from './adapters/file-reader.js'
import type { ImportEvent } from './domain/map-row.js'
import { resolveMapping } from './domain/mapping.js'
import { runImport } from './run-import.js'

// TSV as ClickHouse's TabSeparated reads it: a backslash starts an escape. An escape that would be
// read as something else than what was written is refused with its row, naming line and column.
const dir = mkdtempSync(join(tmpdir(), 'sil-import-tsv-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Rejected {
  row: number
  stage: string
  code: string
  reason: string
  values: Record<string, unknown>
}

async function importTsv(name: string, content: string | Buffer) {
  const input = join(dir, name)
  writeFileSync(input, content)
  const acked: ImportEvent[] = []
  const sender: CollectorSender = {
    async send(serialised) {
      acked.push(...serialised.map((e) => JSON.parse(e) as ImportEvent))
      return { accepted: serialised.length, rejected: [] }
    },
  }
  const mapping = resolveMapping('receipts', { kind: 'receipts', properties: { note: 'note' } })
  const summary = await runImport({ input, reader: createFileReader(input, 'tsv'), mapping, sender })
  const file = `${input}.rejected.ndjson`
  const rejected = (existsSync(file) ? readFileSync(file, 'utf8') : '')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Rejected)
  const props = acked.map((e) => e['properties'] as { receipt_id: string; note?: string; store_id: string })
  return { summary, rejected, ids: props.map((p) => p.receipt_id), props }
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error & { code?: string },
  )

const HEADER = 'receipt_id\tstore_id\ttimestamp\ttotal\tnote'
const row = (id: string, note: string) => `${id}\ts1\t2025-01-02\t1\t${note}`

describe('TSV escapes', () => {
  it('reads the escapes TSV writers write (ClickHouse, MySQL, PostgreSQL) as they mean', async () => {
    const lines = [
      HEADER,
      row('E1', 'a\\tb'),
      row('E2', 'a\\nb\\rc'),
      row('E3', 'C:\\\\dir\\\\'),
      row('E4', 'l\\\'été \\"x\\"'),
      row('E5', '\\N'),
      row('E6', 'C:\\Users\\dupont'),
    ]
    const { rejected, props } = await importTsv('good-escapes.tsv', `${lines.join('\n')}\n`)
    expect(rejected).toEqual([])
    expect(props.map((p) => p.note)).toEqual([
      'a\tb',
      'a\nb\rc',
      'C:\\dir\\',
      'l\'été "x"',
      undefined,
      'C:\\Users\\dupont',
    ])
  })

  it.each([
    ['\\x', 'C:\\xampp', '\\x'],
    ['\\x and a short hex', 'ab\\x4', '\\x'],
    ['\\N inside a value', 'a\\Nb', '\\N'],
    ['\\a (a bell)', 'C:\\archive', '\\a'],
    ['\\e (an escape)', 'C:\\export', '\\e'],
    ['a backslash before a tab', 'a\\\tb', 'a tab'],
  ])('refuses a row with %s alone, naming line and column', async (_, note, what) => {
    const text = `${[HEADER, row('R1', 'ok'), row('RX', note), row('R3', 'ok')].join('\n')}\n`
    const { summary, rejected, ids } = await importTsv(`bad-${what.replace(/\W/g, '')}.tsv`, text)
    expect(ids).toEqual(['R1', 'R3'])
    expect(summary).toMatchObject({ rows: 3, imported: 2, refused: 1 })
    expect(rejected.map((l) => [l.row, l.stage, l.code])).toEqual([
      [2, 'reading', 'SIL_IMPORT_ROW_MALFORMED'],
    ])
    expect(rejected[0]?.reason).toMatch(/^line 3, column 5 \(note\): /)
    expect(rejected[0]?.reason).toContain(what)
    expect(rejected[0]?.values).toEqual({ text: row('RX', note) })
  })

  it('refuses a line ending in a lone backslash alone, instead of joining the next line to it', async () => {
    const text = `${[HEADER, row('R1', 'C:\\dir\\'), row('R2', 'ok'), row('R3', 'trail\\')].join('\r\n')}\r\n`
    const { summary, rejected, ids } = await importTsv('trailing.tsv', text)
    expect(ids).toEqual(['R2'])
    expect(summary).toMatchObject({ rows: 3, imported: 1, refused: 2 })
    expect(rejected.map((l) => [l.row, l.reason.slice(0, 23)])).toEqual([
      [1, 'line 2, column 5 (note)'],
      [3, 'line 4, column 5 (note)'],
    ])
    // At the very end of the file, the engine stopped the whole import.
    const eof = await importTsv('trailing-eof.tsv', `${HEADER}\n${row('R1', 'ok')}\n${row('R2', 'x\\')}`)
    expect(eof.ids).toEqual(['R1'])
    expect(eof.rejected.map((l) => l.row)).toEqual([2])
  })

  it('does the same in a gzip TSV, and refuses a header with a malformed escape', async () => {
    const text = `${[HEADER, row('R1', 'ok'), row('RX', 'C:\\xampp'), row('R3', 'ok')].join('\n')}\n`
    const { rejected, ids } = await importTsv('bad.tsv.gz', gzipSync(text))
    expect(ids).toEqual(['R1', 'R3'])
    expect(rejected.map((l) => l.reason.slice(0, 23))).toEqual(['line 3, column 5 (note)'])
    const err = await failure(importTsv('bad-header.tsv', `receipt_id\\x\tstore_id\nR1\ts1\n`))
    expect(err?.code).toBe('SIL_IMPORT_FILE_UNREADABLE')
    expect(err?.message).toContain('header (line 1)')
  })
})

describe('TSV as exports write it', () => {
  it('reads CRLF line ends without a CR in the last value, a byte-order mark and blank lines', async () => {
    const text = `\ufeff${HEADER}\r\n\r\n${row('R1', 'n1')}\r\n\r\n${row('R2', 'n2')}\r\n`
    const { summary, rejected, props } = await importTsv('crlf.tsv', text)
    expect(rejected).toEqual([])
    expect(summary).toMatchObject({ rows: 2, imported: 2, refused: 0 })
    expect(props.map((p) => p.note)).toEqual(['n1', 'n2'])
  })

  it('reads quotes as text: TSV has no quoting', async () => {
    const text = `${HEADER}\n${row('R1', '"TV 55"""')}\n${row('"R2"', 'ok')}\n`
    const { props } = await importTsv('quotes.tsv', text)
    expect(props.map((p) => [p.receipt_id, p.note])).toEqual([
      ['R1', '"TV 55"""'],
      ['"R2"', 'ok'],
    ])
  })
})

describe('blank lines before the header', () => {
  it.each([
    ['lead.tsv', `\n\n${HEADER}\n\n${row('R1', 'a')}\n`],
    ['lead-crlf.tsv', `\r\n \t\r\n${HEADER}\r\n${row('R1', 'a')}\r\n`],
    ['lead-bad.tsv', `\n\n${HEADER}\n${row('RX', 'C:\\xampp')}\n${row('R1', 'a')}\n`],
    ['lead.tsv.gz', gzipSync(`\n \n${HEADER}\n${row('R1', 'a')}\n`)],
  ])('reads %s: the header is the first line with text', async (name, content) => {
    const { ids, rejected } = await importTsv(name, content)
    expect(ids).toEqual(['R1'])
    expect(rejected.map((l) => l.reason.slice(0, 8))).toEqual(name.includes('bad') ? ['line 4, '] : [])
  })
})
