import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Session } from 'chdb'
import { afterAll, describe, expect, it } from 'vitest'
import type { CollectorSender } from './adapters/collector-sender.js'
import { createFileReader, type FileFormat } from './adapters/file-reader.js'
import type { ImportEvent } from './domain/map-row.js'
import { resolveMapping } from './domain/mapping.js'
import { runImport } from './run-import.js'

// 64-bit ids (a CRM's customer numbers, card numbers) read by the real chDB reader from real
// NDJSON and Parquet files: the id that lands is the id in the file, not a rounded double.
const dir = mkdtempSync(join(tmpdir(), 'sil-import-big-ids-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function importReceipts(input: string, format: FileFormat) {
  const acked: ImportEvent[] = []
  const sender: CollectorSender = {
    async send(serialised) {
      acked.push(...serialised.map((e) => JSON.parse(e) as ImportEvent))
      return { accepted: serialised.length, rejected: [] }
    },
  }
  const mapping = resolveMapping('receipts', { properties: { terminal: 'terminal' } })
  const summary = await runImport({ input, reader: createFileReader(input, format), mapping, sender })
  return { summary, acked }
}

const BIG = ['9007199254740993', '12345678901234567890', '18446744073709551615']

describe('64-bit integer ids', () => {
  it('keeps NDJSON integers past 2^53 exact (userId, line items, extra properties)', async () => {
    const input = join(dir, 'receipts.ndjson')
    const line = (customer: string, i: number) =>
      `{"receipt_id":"R${i}","store_id":"s1","timestamp":"2025-01-02","total":1,"customer_id":${customer},` +
      `"terminal":${customer},"items":[{"product_id":${customer},"price":1}]}`
    writeFileSync(input, [...BIG.map(line), line('42', 9)].join('\n') + '\n')
    const { summary, acked } = await importReceipts(input, 'ndjson')
    expect(summary).toMatchObject({ imported: 4, refused: 0 })
    expect(acked.map((e) => e['userId'])).toEqual([...BIG, '42'])
    const props = acked.map(
      (e) => e['properties'] as { terminal: unknown; products: Array<{ product_id: string }> },
    )
    expect(props.map((p) => p.products[0]?.product_id)).toEqual([...BIG, '42'])
    expect(props.map((p) => p.terminal)).toEqual([...BIG, 42])
  })

  it('keeps Parquet Int64 and UInt64 columns exact, and small ones numbers', async () => {
    const input = join(dir, 'receipts.parquet')
    const session = new Session()
    try {
      session.queryBind(
        `INSERT INTO FUNCTION file({p:String}, 'Parquet')
         SELECT concat('R', toString(number)) AS receipt_id, 's1' AS store_id, '2025-01-02' AS timestamp,
           toInt64(1) AS total, [toUInt64({a:String}), toUInt64({b:String}), toUInt64(7)][number + 1] AS customer_id,
           [toInt64({a:String}), toInt64(-9223372036854775808), toInt64(7)][number + 1] AS terminal
         FROM numbers(3)`,
        { p: input, a: BIG[0] as string, b: BIG[1] as string },
      )
    } finally {
      session.close()
    }
    const { summary, acked } = await importReceipts(input, 'parquet')
    expect(summary).toMatchObject({ imported: 3, refused: 0 })
    expect(acked.map((e) => e['userId'])).toEqual([BIG[0], BIG[1], '7'])
    expect(acked.map((e) => (e['properties'] as { terminal: unknown }).terminal)).toEqual([
      BIG[0],
      '-9223372036854775808',
      7,
    ])
  })
})
