import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { CollectorSender } from './adapters/collector-sender.js'
import { createFileReader, type FileFormat } from './adapters/file-reader.js'
import type { ImportEvent } from './domain/map-row.js'
import { resolveMapping } from './domain/mapping.js'
import { runImport } from './run-import.js'

// Files as retailers' tools write them (French Excel, old Macs, tills, hand-edited NDJSON), read
// by the real chDB reader: what lands, what is refused alone, and what refuses the whole file.
const dir = mkdtempSync(join(tmpdir(), 'sil-import-hostile-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Rejected {
  row: number
  stage: string
  code: string
  reason: string
}

async function importFile(name: string, content: string | Buffer, format: FileFormat) {
  const input = join(dir, name)
  writeFileSync(input, content)
  const acked: ImportEvent[] = []
  const sender: CollectorSender = {
    async send(serialised) {
      acked.push(...serialised.map((e) => JSON.parse(e) as ImportEvent))
      return { accepted: serialised.length, rejected: [] }
    },
  }
  const summary = await runImport({
    input,
    reader: createFileReader(input, format),
    mapping: resolveMapping('receipts'),
    sender,
  })
  const file = `${input}.rejected.ndjson`
  const rejected = (existsSync(file) ? readFileSync(file, 'utf8') : '')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Rejected)
  const props = acked.map((e) => e['properties'] as { receipt_id: string; total: number; store_id: string })
  return { summary, rejected, ids: props.map((p) => p.receipt_id), props, acked }
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error & { code?: string },
  )

const HEADER = 'receipt_id,store_id,timestamp,total'

describe('NDJSON: a bad line is refused alone', () => {
  it('refuses a line cut short, an unbalanced brace, an array and a number, and imports the lines after them', async () => {
    const r = (i: number) => `{"receipt_id":"N${i}","store_id":"s1","timestamp":"2025-01-02","total":${i}}`
    const lines = [
      r(1),
      '{"receipt_id":"N2","store_id":"s1","tim',
      r(3),
      '{"receipt_id":"N4"}}',
      '[1,2]',
      '42',
      r(5),
    ]
    const { summary, rejected, ids } = await importFile('cut.ndjson', `\n${lines.join('\n')}\n\n`, 'ndjson')
    expect(ids).toEqual(['N1', 'N3', 'N5'])
    expect(summary).toMatchObject({ rows: 7, imported: 3, refused: 4 })
    expect(rejected.map((l) => [l.row, l.stage, l.code])).toEqual([
      [2, 'reading', 'SIL_IMPORT_ROW_MALFORMED'],
      [4, 'reading', 'SIL_IMPORT_ROW_MALFORMED'],
      [5, 'reading', 'SIL_IMPORT_ROW_MALFORMED'],
      [6, 'reading', 'SIL_IMPORT_ROW_MALFORMED'],
    ])
    expect(rejected[0]?.reason).toContain('not valid JSON')
    expect(rejected[2]?.reason).toContain('an array')
  })
})

describe('CSV as exports write it', () => {
  it('reads lone CR line ends (old Mac exports) instead of finding no row', async () => {
    const { ids } = await importFile('cr.csv', `${HEADER}\rR1,s1,2025-01-02,1\rR2,s1,2025-01-02,2\r`, 'csv')
    expect(ids).toEqual(['R1', 'R2'])
  })

  it('reads a ";" file with decimal commas (French Excel) and a tab-separated .csv', async () => {
    const semi = await importFile(
      'fr.csv',
      'receipt_id;store_id;timestamp;total\nR1;s1;2025-01-02;12,50\n',
      'csv',
    )
    expect(semi.props[0]).toMatchObject({ receipt_id: 'R1', total: 12.5 })
    const tab = await importFile('tab.csv', `${HEADER.replaceAll(',', '\t')}\nR2\ts1\t2025-01-02\t3\n`, 'csv')
    expect(tab.ids).toEqual(['R2'])
  })

  it('skips blank lines, reads `\\N` as text, and matches headers whatever their case and spaces', async () => {
    const csv = 'Receipt_ID ,STORE_ID,Timestamp, total\n\\N,s1,2025-01-02,1\n\nR2,s1,2025-01-02,2\n\n\n'
    const { summary, ids, rejected } = await importFile('blank.csv', csv, 'csv')
    expect(rejected).toEqual([])
    expect(ids).toEqual(['\\N', 'R2'])
    expect(summary).toMatchObject({ rows: 2, imported: 2, refused: 0 })
    const only = await importFile('blank-only.csv', '\n\r\n\n', 'csv')
    expect(only.summary).toMatchObject({ rows: 0, refused: 0 })
  })

  it('refuses a header that names a column twice', async () => {
    const err = await failure(importFile('dup.csv', `${HEADER},total\nR1,s1,2025-01-02,1,2\n`, 'csv'))
    expect(err?.code).toBe('SIL_IMPORT_FILE_UNREADABLE')
    expect(err?.message).toContain('"total" twice')
  })

  it('refuses Windows-1252 bytes with SIL_IMPORT_FILE_ENCODING, naming the line', async () => {
    const latin1 = Buffer.from(`${HEADER}\nR1,s1,2025-01-02,1\nR2,caf\u00e9,2025-01-02,2\n`, 'latin1')
    const err = await failure(importFile('latin1.csv', latin1, 'csv'))
    expect(err?.code).toBe('SIL_IMPORT_FILE_ENCODING')
    expect(err?.message).toContain('line 3')
    // Nothing refused, nothing imported: no empty rejected file is left beside it.
    expect(existsSync(join(dir, 'latin1.csv.rejected.ndjson'))).toBe(false)
  })

  it('refuses a quote never closed, which would swallow every row after it, but reads a quote inside a value', async () => {
    const open = `${HEADER}\nR1,s1,2025-01-02,"1\nR2,s1,2025-01-02,2\n`
    const err = await failure(importFile('open-quote.csv', open, 'csv'))
    expect(err?.code).toBe('SIL_IMPORT_FILE_UNREADABLE')
    expect(err?.message).toContain('line 2')
    const inch = await importFile('inch.csv', `${HEADER},name\nR3,s1,2025-01-02,1,TV 55"\n`, 'csv')
    expect(inch.ids).toEqual(['R3'])
  })

  it('refuses a record with text after a closing quote alone, naming its line, and imports the rows before and after it', async () => {
    const lines = [HEADER]
    for (let i = 0; i < 3000; i++) lines.push(`R${i},s1,2025-01-02,${i}`)
    // Spreadsheet garbage after a quoted value: the engine's reader stopped the import here.
    lines.splice(1001, 0, 'RX,"s1"x,2025-01-02,1', 'RY,"s1" "b","multi', 'line",2')
    const { summary, rejected, ids } = await importFile('after-quote.csv', lines.join('\n') + '\n', 'csv')
    expect(summary).toMatchObject({ rows: 3002, imported: 3000, refused: 2 })
    expect(ids).toEqual(Array.from({ length: 3000 }, (_, i) => `R${i}`))
    expect(rejected.map((l) => [l.row, l.stage, l.code])).toEqual([
      [1001, 'reading', 'SIL_IMPORT_ROW_MALFORMED'],
      [1002, 'reading', 'SIL_IMPORT_ROW_MALFORMED'],
    ])
    expect(rejected[0]?.reason).toMatch(/^line 1002: a closing quote is followed by "x,2025-01-02,1"/)
    expect(rejected[1]?.reason).toMatch(/^line 1003: /)
    expect((rejected[1] as Rejected & { values: unknown }).values).toEqual({
      text: 'RY,"s1" "b","multi\nline",2',
    })
  })

  it('does the same in a lone CR file, and refuses a header with text after a closing quote', async () => {
    const cr = `${HEADER}\rR1,s1,2025-01-02,1\r\rR2,"s1"x,2025-01-02,2\rR3,s1,2025-01-02,3`
    const { summary, rejected, ids } = await importFile('after-quote-cr.csv', cr, 'csv')
    expect(ids).toEqual(['R1', 'R3'])
    expect(summary).toMatchObject({ rows: 3, imported: 2, refused: 1 })
    expect(rejected.map((l) => [l.row, l.code, l.reason.slice(0, 8)])).toEqual([
      [2, 'SIL_IMPORT_ROW_MALFORMED', 'line 4: '],
    ])
    const err = await failure(importFile('header-quote.csv', `"receipt_id"x,store_id\nR1,s1\n`, 'csv'))
    expect(err?.code).toBe('SIL_IMPORT_FILE_UNREADABLE')
    expect(err?.message).toContain('its header (line 1)')
  })

  it('names the real line of a lone CR file (old Mac exports) when it refuses the file', async () => {
    const latin1 = Buffer.from(`${HEADER}\rR1,s1,2025-01-02,1\rR2,caf\u00e9,2025-01-02,2\r`, 'latin1')
    const encoding = await failure(importFile('latin1-cr.csv', latin1, 'csv'))
    expect(encoding?.code).toBe('SIL_IMPORT_FILE_ENCODING')
    expect(encoding?.message).toContain('line 3')
    const open = await failure(
      importFile(
        'open-cr.csv',
        `${HEADER}\r\nR1,s1,2025-01-02,1\rR2,s1,2025-01-02,"2\rR3,s1,2025-01-02,3\r`,
        'csv',
      ),
    )
    expect(open?.code).toBe('SIL_IMPORT_FILE_UNREADABLE')
    expect(open?.message).toContain('on line 3 is never closed')
  })

  it('refuses a header of more than 10,000 columns before the engine builds them', async () => {
    const n = 20_000
    const wide = `${HEADER},${Array.from({ length: n }, (_, i) => `c${i}`).join(',')}\n`
    const err = await failure(importFile('wide.csv', wide, 'csv'))
    expect(err?.code).toBe('SIL_IMPORT_FILE_UNREADABLE')
    expect(err?.message).toContain('20,004 columns, more than 10,000')
  })
})
