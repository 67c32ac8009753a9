import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import type { CollectorSender } from './adapters/collector-sender.js'
import { createFileReader, type FileFormat } from './adapters/file-reader.js'
import type { ImportEvent } from './domain/map-row.js'
import { resolveMapping } from './domain/mapping.js'
import { runImport } from './run-import.js'

// A gzip file is read as its plain twin: the same refusals, on the same lines, and a broken
// gzip stream refuses the file with a SIL_ code instead of the engine's message.
const dir = mkdtempSync(join(tmpdir(), 'sil-import-gzip-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Rejected {
  row: number
  stage: string
  code: string
  reason: string
  values: Record<string, unknown>
}

async function importFile(name: string, content: string | Buffer, format: FileFormat = 'csv') {
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
  const ids = acked.map((e) => (e['properties'] as { receipt_id: string }).receipt_id)
  return { summary, rejected, ids }
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error & { code?: string },
  )

const HEADER = 'receipt_id,store_id,timestamp,total'
const rows = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `R${from + i},s1,2025-01-02,${i}`)

describe('a gzip CSV with a record the reader cannot parse', () => {
  it('refuses the record alone, naming its line, as in the plain file', async () => {
    const lines = [HEADER, ...rows(1000), 'RX,"s1"x,2025-01-02,1', ...rows(1000, 1000)]
    const text = `${lines.join('\r\n')}\r\n`
    const gz = await importFile('after-quote.csv.gz', gzipSync(text))
    const plain = await importFile('after-quote.csv', text)
    for (const r of [gz, plain]) {
      expect(r.summary).toMatchObject({ rows: 2001, imported: 2000, refused: 1 })
      expect(r.ids).toEqual(Array.from({ length: 2000 }, (_, i) => `R${i}`))
      expect(r.rejected.map((l) => [l.row, l.stage, l.code])).toEqual([
        [1001, 'reading', 'SIL_IMPORT_ROW_MALFORMED'],
      ])
      expect(r.rejected[0]?.reason).toMatch(/^line 1002: a closing quote is followed by "x,2025-01-02,1"/)
      expect(r.rejected[0]?.values).toEqual({ text: 'RX,"s1"x,2025-01-02,1' })
    }
  })

  it('refuses a gzip file with a quote never closed, or with Windows-1252 bytes, naming the line', async () => {
    const open = await failure(
      importFile('open.csv.gz', gzipSync(`${HEADER}\nR1,s1,2025-01-02,"1\nR2,s1,x,2\n`)),
    )
    expect(open?.code).toBe('SIL_IMPORT_FILE_UNREADABLE')
    expect(open?.message).toContain('line 2 is never closed')
    const latin1 = gzipSync(
      Buffer.from(`${HEADER}\nR1,s1,2025-01-02,1\nR2,caf\u00e9,2025-01-02,2\n`, 'latin1'),
    )
    const enc = await failure(importFile('latin1.csv.gz', latin1))
    expect(enc?.code).toBe('SIL_IMPORT_FILE_ENCODING')
    expect(enc?.message).toContain('line 3')
  })

  it('reads a gzip CSV with a byte-order mark, CRLF, blank lines and a lone CR file', async () => {
    const bom = await importFile('bom.csv.gz', gzipSync(`\ufeff${HEADER}\r\n\r\nR1,s1,2025-01-02,1\r\n\r\n`))
    expect(bom.ids).toEqual(['R1'])
    const cr = await importFile(
      'cr.csv.gz',
      gzipSync(`${HEADER}\rR1,"s1"x,2025-01-02,1\rR2,s1,2025-01-02,2\r`),
    )
    expect(cr.ids).toEqual(['R2'])
    expect(cr.rejected.map((l) => [l.row, l.reason.slice(0, 8)])).toEqual([[1, 'line 2: ']])
  })
})

describe('a gzip stream that is broken', () => {
  const big = gzipSync(`${[HEADER, ...rows(5000)].join('\n')}\n`)
  it.each([
    ['cut.csv.gz', big.subarray(0, Math.floor(big.length / 2)), 'csv'],
    ['cut-tail.csv.gz', big.subarray(0, big.length - 4), 'csv'],
    ['cut.ndjson.gz', gzipSync('{"receipt_id":"N1"}\n'.repeat(5000)).subarray(0, 200), 'ndjson'],
    ['garbage.csv.gz', Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not gzip at all')]), 'csv'],
    ['bad-crc.csv.gz', Buffer.concat([big.subarray(0, big.length - 8), Buffer.alloc(8)]), 'csv'],
  ] as const)(
    'refuses %s with SIL_IMPORT_FILE_UNREADABLE before importing anything',
    async (name, bytes, format) => {
      const input = join(dir, name)
      const err = await failure(importFile(name, bytes, format))
      expect(err?.code).toBe('SIL_IMPORT_FILE_UNREADABLE')
      expect(err?.message).toMatch(/its gzip data (is cut short|is broken)/)
      expect(existsSync(`${input}.rejected.ndjson`)).toBe(false)
    },
  )

  it('reads a .gz that is not gzip (plain text) as its text, and refuses binary bytes as not UTF-8', async () => {
    const plain = await importFile('plain.csv.gz', `${HEADER}\nR1,s1,2025-01-02,1\n`)
    expect(plain.ids).toEqual(['R1'])
    const err = await failure(
      importFile('binary.csv.gz', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0xff, 0xfe, 0x81, 0x0a])),
    )
    expect(err?.code).toBe('SIL_IMPORT_FILE_ENCODING')
  })

  it.each([
    ['empty.csv.gz', 'csv'],
    ['empty.tsv.gz', 'tsv'],
    ['empty.ndjson.gz', 'ndjson'],
  ] as const)('reads %s, the gzip of an empty file, as 0 rows', async (name, format) => {
    const { summary } = await importFile(name, gzipSync(''), format)
    expect(summary).toMatchObject({ rows: 0, imported: 0, refused: 0 })
    const blank = await importFile(`blank-${name}`, gzipSync('\n\r\n\n'), format)
    expect(blank.summary).toMatchObject({ rows: 0, imported: 0, refused: 0 })
  })
})

describe('a large gzip CSV', () => {
  it('reads 1,000,000 rows through the decompression stream, refusing only the malformed record near the end', async () => {
    const parts: string[] = [`${HEADER}\n`]
    for (let i = 0; i < 1_000_000; i++)
      parts.push(i === 999_000 ? 'RX,"s1"x,2025-01-02,1\n' : `R${i},s1,2025-01-02,1\n`)
    const gz = gzipSync(parts.join(''))
    const input = join(dir, 'million.csv.gz')
    writeFileSync(input, gz)
    const reader = createFileReader(input, 'csv')
    try {
      let n = 0
      const refused: number[] = []
      for await (const chunk of reader.chunks(0)) {
        for (const [i] of chunk.unreadable ?? []) refused.push(chunk.first + i)
        n += chunk.rows.length
      }
      expect(n).toBe(1_000_000)
      expect(refused).toEqual([999_000])
    } finally {
      reader.close()
    }
  }, 120_000)
})

describe('blank lines before a CSV header', () => {
  it.each([
    ['lead.csv', `\n\n${HEADER}\n\nR1,s1,2025-01-02,1\n`],
    ['lead-cr.csv', `\r  \r${HEADER}\rR1,s1,2025-01-02,1\r`],
    ['lead.csv.gz', gzipSync(`\r\n\r\n${HEADER}\r\nR1,"s1"x,2025-01-02,1\r\nR1,s1,2025-01-02,1\r\n`)],
  ])('reads %s: the header is the first line with text', async (name, content) => {
    const { ids, rejected } = await importFile(name, content)
    expect(ids).toEqual(['R1'])
    expect(rejected.map((l) => [l.row, l.reason.slice(0, 8)])).toEqual(
      name.endsWith('gz') ? [[1, 'line 4: ']] : [],
    )
  })
})
