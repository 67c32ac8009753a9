import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { Session } from 'chdb'
import { afterAll, describe, expect, it } from 'vitest'
import type { CollectorSender } from './adapters/collector-sender.js'
import { createFileReader, type FileFormat } from './adapters/file-reader.js'
import type { ImportEvent } from './domain/map-row.js'
import { resolveMapping, type ImportKind } from './domain/mapping.js'
import { runImport } from './run-import.js'

// Broken files, read by the real chDB reader: a bad row is refused alone and the good rows land;
// a file that cannot be read at all fails with a SIL_ code, never a raw engine error.
const dir = mkdtempSync(join(tmpdir(), 'sil-import-edges-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function acceptingSender() {
  const acked: ImportEvent[] = []
  const sender: CollectorSender = {
    async send(serialised) {
      acked.push(...serialised.map((e) => JSON.parse(e) as ImportEvent))
      return { accepted: serialised.length, rejected: [] }
    },
  }
  return { sender, acked }
}

async function importFile(
  name: string,
  content: string | Buffer,
  format: FileFormat,
  kind: ImportKind = 'receipts',
) {
  const input = join(dir, name)
  writeFileSync(input, content)
  const { sender, acked } = acceptingSender()
  const summary = await runImport({
    input,
    reader: createFileReader(input, format),
    mapping: resolveMapping(kind),
    sender,
    batchEvents: 500,
  })
  const rejectedFile = `${input}.rejected.ndjson`
  // No file when nothing was refused.
  expect(existsSync(rejectedFile)).toBe(summary.refused > 0)
  const rejected = (existsSync(rejectedFile) ? readFileSync(rejectedFile, 'utf8') : '')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { row: number; stage: string; code: string; reason: string })
  // The receipts that landed, by number (the order id is `store:receipt`).
  const orderIds = acked.map((e) => (e['properties'] as { receipt_id: string }).receipt_id)
  return { summary, rejected, orderIds, acked }
}

const receipt = (i: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    receipt_id: `R${i}`,
    store_id: 's1',
    timestamp: '2025-01-02 10:00:00',
    total: i,
    ...extra,
  })

describe('values a row cannot hold', () => {
  it('refuses timestamps out of range (1e20, 0) and impossible dates per row, and imports the rest', async () => {
    const lines = [
      receipt(1),
      receipt(2, { timestamp: 1e20 }),
      receipt(3, { timestamp: 0 }),
      receipt(4, { timestamp: '2025-02-31' }),
      receipt(5, { timestamp: '2025-03-01T10:00:00+01:00' }),
      receipt(6, { total: '0x1A' }),
    ]
    const { summary, rejected, orderIds, acked } = await importFile(
      'ts.ndjson',
      lines.join('\n') + '\n',
      'ndjson',
    )
    expect(summary).toMatchObject({ rows: 6, imported: 2, refused: 4 })
    expect(orderIds).toEqual(['R1', 'R5'])
    expect(acked[1]?.['timestamp']).toBe('2025-03-01T09:00:00.000Z')
    expect(rejected.map((r) => [r.row, r.code])).toEqual([
      [2, 'SIL_IMPORT_VALUE_INVALID'],
      [3, 'SIL_IMPORT_VALUE_INVALID'],
      [4, 'SIL_IMPORT_VALUE_INVALID'],
      [6, 'SIL_IMPORT_VALUE_INVALID'],
    ])
  })
})

describe('rows the engine cannot read', () => {
  it('refuses a CSV row with more fields than the header, late in the file, and imports the others', async () => {
    const lines = ['receipt_id,store_id,timestamp,total']
    for (let i = 0; i < 3000; i++) lines.push(`R${i},s1,2025-01-02,${i}`)
    lines.push('RX,s1,2025-01-02,1,EXTRA', 'RY,s1,2025-01-02,2')
    const { summary, rejected, orderIds } = await importFile('extra.csv', lines.join('\n') + '\n', 'csv')
    expect(summary).toMatchObject({ rows: 3002, imported: 3001, refused: 1 })
    expect(orderIds.at(-1)).toBe('RY')
    expect(rejected).toEqual([
      expect.objectContaining({ row: 3001, stage: 'reading', code: 'SIL_IMPORT_ROW_MALFORMED' }),
    ])
    expect(rejected[0]?.reason).toContain('EXTRA')
  })

  it('does the same for TSV', async () => {
    const tsv =
      'receipt_id\tstore_id\ttimestamp\ttotal\nR1\ts1\t2025-01-02\t1\nR2\ts1\t2025-01-02\t2\tx\nR3\ts1\t2025-01-02\t3\n'
    const { summary, rejected, orderIds } = await importFile('extra.tsv', tsv, 'tsv')
    expect(summary).toMatchObject({ rows: 3, imported: 2, refused: 1 })
    expect(orderIds).toEqual(['R1', 'R3'])
    expect(rejected).toEqual([expect.objectContaining({ row: 2, code: 'SIL_IMPORT_ROW_MALFORMED' })])
  })

  it('refuses an NDJSON string in a numeric column after the rows the engine infers types from', async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => receipt(i))
    lines.push(receipt(30_000, { total: 'douze' }), '{"receipt_id":"RZ",}', receipt(30_002))
    const { summary, rejected, orderIds } = await importFile('late.ndjson', lines.join('\n') + '\n', 'ndjson')
    expect(summary).toMatchObject({ rows: 30_003, imported: 30_001, refused: 2 })
    expect(orderIds.at(-1)).toBe('R30002')
    expect(rejected.map((r) => [r.row, r.stage, r.code])).toEqual([
      [30_001, 'mapping', 'SIL_IMPORT_VALUE_INVALID'],
      [30_002, 'reading', 'SIL_IMPORT_ROW_MALFORMED'],
    ])
  })

  it('keeps an NDJSON key first seen after the rows an engine would infer columns from', async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => receipt(i))
    lines.push(receipt(30_000, { email: 'late@example.com' }))
    const { summary, acked } = await importFile('late-key.ndjson', lines.join('\n') + '\n', 'ndjson')
    expect(summary).toMatchObject({ rows: 30_001, imported: 30_001, refused: 0 })
    const context = acked.at(-1)?.['context'] as { traits?: { email?: string } }
    expect(context.traits?.email).toBe('late@example.com')
  })
})

describe('files with nothing to read, or not in UTF-8', () => {
  it.each([
    ['empty.csv', '', 'csv'],
    ['header.csv', 'receipt_id,store_id,timestamp,total\n', 'csv'],
    ['header-no-newline.csv', 'receipt_id,store_id,timestamp,total', 'csv'],
    ['header.tsv', 'receipt_id\tstore_id\ttimestamp\ttotal\n', 'tsv'],
    ['empty.ndjson', '', 'ndjson'],
  ] as const)('%s is an import of 0 rows', async (name, content, format) => {
    const { summary } = await importFile(name, content, format)
    expect(summary).toMatchObject({ rows: 0, imported: 0, refused: 0 })
  })

  it('reads a UTF-8 file with a byte-order mark (Excel "CSV UTF-8")', async () => {
    const csv = '\ufeffreceipt_id,store_id,timestamp,total\nR1,s1,2025-01-02,1\n'
    const { summary, orderIds } = await importFile('bom.csv', csv, 'csv')
    expect(summary).toMatchObject({ imported: 1, refused: 0 })
    expect(orderIds).toEqual(['R1'])
  })

  const csv = 'receipt_id,store_id,timestamp,total\nR1,s1,2025-01-02,1\n'
  const swap = (b: Buffer) => Buffer.from(b).swap16()
  it.each([
    ['utf16le.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv, 'utf16le')])],
    ['utf16be.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), swap(Buffer.from(csv, 'utf16le'))])],
    ['utf16-no-bom.csv', Buffer.from(csv, 'utf16le')],
  ])('refuses %s with SIL_IMPORT_FILE_ENCODING, asking for UTF-8', async (name, content) => {
    const err = await importFile(name, content, 'csv').then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    )
    expect(err?.code).toBe('SIL_IMPORT_FILE_ENCODING')
    expect(err?.message).toContain('UTF-8')
  })

  it('fails an unreadable file with SIL_IMPORT_FILE_UNREADABLE', async () => {
    const err = await importFile('broken.parquet', 'not parquet at all', 'parquet').then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    )
    expect(err?.code).toBe('SIL_IMPORT_FILE_UNREADABLE')
    expect(err?.message).toContain('SIL_IMPORT_FILE_UNREADABLE')
  })
})

describe('what the reader still reads', () => {
  it('reads a gzip CSV (quoted separators, leading zeros) and a JSON array of objects', async () => {
    const csv = 'receipt_id,store_id,timestamp,total,loyalty_card\n"R,1",s1,2025-01-02,"1,5",0042\n'
    const gz = await importFile('receipts.csv.gz', gzipSync(csv), 'csv')
    expect(gz.summary).toMatchObject({ imported: 1, refused: 0 })
    expect(gz.acked[0]?.['properties']).toMatchObject({
      order_id: 's1:R,1',
      total: 1.5,
      loyalty_card: '0042',
    })
    const json = `[\n  ${receipt(1)},\n  ${receipt(2, { items: [{ product_id: 'p', price: 1 }] })}\n]\n`
    const arr = await importFile('receipts.json', json, 'ndjson')
    expect(arr.orderIds).toEqual(['R1', 'R2'])
    expect(arr.acked[1]?.['properties']).toMatchObject({ products: [{ product_id: 'p', quantity: 1 }] })
  })

  it('reads a gzip or zstd file by its first bytes, whatever its name', async () => {
    const csv = 'receipt_id,store_id,timestamp,total\nR1,s1,2025-01-02,1\nR2,s1,2025-01-02,2\n'
    const gz = await importFile('gzip-named.csv', gzipSync(csv), 'csv')
    expect(gz.orderIds).toEqual(['R1', 'R2'])
    const zst = join(dir, 'zstd-named.ndjson')
    const session = new Session()
    try {
      session.queryBind(
        `INSERT INTO FUNCTION file({p:String}, 'JSONEachRow', 'receipt_id String, store_id String, timestamp String, total UInt8', 'zstd')
         VALUES ('Z1', 's1', '2025-01-02', 3)`,
        { p: zst },
      )
    } finally {
      session.close()
    }
    expect([...readFileSync(zst).subarray(0, 4)]).toEqual([0x28, 0xb5, 0x2f, 0xfd])
    const z = await importFile('zstd-named.ndjson', readFileSync(zst), 'ndjson')
    expect(z.orderIds).toEqual(['Z1'])
  })
})
