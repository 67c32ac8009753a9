import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Session } from 'chdb'
import { afterAll, describe, expect, it } from 'vitest'
import type { CollectorSender } from './adapters/collector-sender.js'
import { createFileReader } from './adapters/file-reader.js'
import type { ImportEvent } from './domain/map-row.js'
import { resolveMapping } from './domain/mapping.js'
import { runImport } from './run-import.js'

const dir = mkdtempSync(join(tmpdir(), 'sil-imports-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** An in-memory collector: records what it acknowledged; can fail from the n-th request on. */
function recordingSender(failFrom = Infinity) {
  const acked: ImportEvent[] = []
  let requests = 0
  const sender: CollectorSender = {
    async send(serialised) {
      if (++requests >= failFrom) throw new Error('collector down')
      const events = serialised.map((e) => JSON.parse(e) as ImportEvent)
      const rejected = events.flatMap((e, index) =>
        e['userId'] === 'u-reject' ? [{ index, code: 'SIL_EVENT_SUPPRESSED', message: 'erased' }] : [],
      )
      acked.push(...events.filter((_, i) => !rejected.some((r) => r.index === i)))
      return { accepted: events.length - rejected.length, rejected }
    },
  }
  return { sender, acked }
}

function receiptsCsv(n: number, badAfter = n): string {
  const lines = ['receipt_id,store_id,timestamp,loyalty_card,total,currency']
  for (let i = 0; i < n; i++) {
    if (i === badAfter) lines.push('bad,s1,not-a-date,,1,EUR')
    lines.push(`R${i},s${i % 3},2025-01-0${1 + (i % 9)} 10:00:00,0${i % 7},${i}.5,EUR`)
  }
  if (badAfter >= n) lines.push('bad,s1,not-a-date,,1,EUR')
  return lines.join('\n') + '\n'
}

describe('runImport (chDB reader)', () => {
  it('imports every good row in file order, writes the bad ones with their reason, and keeps leading zeros', async () => {
    const input = join(dir, 'receipts.csv')
    writeFileSync(input, receiptsCsv(1200))
    const { sender, acked } = recordingSender()
    const s = await runImport({
      input,
      reader: createFileReader(input, 'csv'),
      mapping: resolveMapping('receipts'),
      sender,
      batchEvents: 100,
    })
    expect(s).toMatchObject({ rows: 1201, imported: 1200, events: 1200, refused: 1, resumedFrom: 0 })
    expect(acked.map((e) => (e['properties'] as { order_id: string }).order_id)).toEqual(
      Array.from({ length: 1200 }, (_, i) => `s${i % 3}:R${i}`),
    )
    expect((acked[1]?.['properties'] as { loyalty_card: string }).loyalty_card).toBe('01')
    const rejected = readFileSync(`${input}.rejected.ndjson`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(rejected).toEqual([
      expect.objectContaining({ row: 1201, stage: 'mapping', code: 'SIL_IMPORT_VALUE_INVALID' }),
    ])
    expect(existsSync(`${input}.checkpoint.json`)).toBe(false)
  })

  it('resumes from the checkpoint after a failure, sending no acknowledged row twice', async () => {
    const input = join(dir, 'resume.csv')
    // The bad row (row 401) is read, and refused, by both runs.
    writeFileSync(input, receiptsCsv(1000, 400))
    const first = recordingSender(4)
    await expect(
      runImport({
        input,
        reader: createFileReader(input, 'csv'),
        mapping: resolveMapping('receipts'),
        sender: first.sender,
        batchEvents: 100,
      }),
    ).rejects.toThrow('collector down')
    expect(first.acked).toHaveLength(300)
    expect(JSON.parse(readFileSync(`${input}.checkpoint.json`, 'utf8'))).toMatchObject({ rowsDone: 300 })
    const second = recordingSender()
    const s = await runImport({
      input,
      reader: createFileReader(input, 'csv'),
      mapping: resolveMapping('receipts'),
      sender: second.sender,
      batchEvents: 100,
    })
    expect(s).toMatchObject({ resumedFrom: 300, imported: 700, refused: 1 })
    // Refused in both runs, listed once.
    expect(readFileSync(`${input}.rejected.ndjson`, 'utf8').trim().split('\n')).toHaveLength(1)
    const ids = [...first.acked, ...second.acked].map((e) => e.messageId)
    expect(new Set(ids).size).toBe(1000)
  })

  it('reads NDJSON (nested line items) and Parquet written by ClickHouse, and writes collector refusals', async () => {
    const ndjson = join(dir, 'crm.ndjson')
    writeFileSync(
      ndjson,
      [
        {
          customer_id: 'u-1',
          email: 'a@example.com',
          consent_marketing: true,
          consent_marketing_at: '2025-01-01',
        },
        { customer_id: 'u-reject', email: 'b@example.com' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n',
    )
    const crm = recordingSender()
    const s = await runImport({
      input: ndjson,
      reader: createFileReader(ndjson, 'ndjson'),
      mapping: resolveMapping('crm'),
      sender: crm.sender,
    })
    expect(s).toMatchObject({ imported: 1, refused: 1, events: 2 })
    expect(crm.acked.map((e) => e.type)).toEqual(['identify', 'track'])
    const refusedLines = readFileSync(`${ndjson}.rejected.ndjson`, 'utf8')
    expect(refusedLines).toContain('"stage":"collector","code":"SIL_EVENT_SUPPRESSED"')
    // An erased person's row is refused without its values (no email kept beside the refusal).
    expect(refusedLines).not.toContain('b@example.com')
    expect(refusedLines).toContain('"values":{}')

    const parquet = join(dir, 'receipts.parquet')
    const session = new Session()
    try {
      session.queryBind(
        `INSERT INTO FUNCTION file({p:String}, 'Parquet')
         SELECT concat('P', toString(number)) AS receipt_id, 'paris' AS store_id,
           toDateTime64('2025-06-01 12:00:00', 3, 'UTC') + number AS timestamp, 19.9 * (number + 1) AS total,
           '[{"product_id":"p-1","price":19.9,"quantity":1}]' AS items
         FROM numbers(50)`,
        { p: parquet },
      )
    } finally {
      session.close()
    }
    const pq = recordingSender()
    const r = await runImport({
      input: parquet,
      reader: createFileReader(parquet, 'parquet'),
      mapping: resolveMapping('receipts'),
      sender: pq.sender,
    })
    expect(r).toMatchObject({ imported: 50, refused: 0 })
    expect(pq.acked[1]).toMatchObject({
      timestamp: '2025-06-01T12:00:01.000Z',
      properties: { total: 39.8, products: [{ product_id: 'p-1' }] },
    })
  })

  it('counts a contact whose identify is stored but whose consent record is refused as imported, partly refused, and lists every refused event', async () => {
    const input = join(dir, 'crm-partial.ndjson')
    const consent = { consent_marketing: 'yes', consent_marketing_at: '2025-01-01' }
    const contacts = [
      { customer_id: 'u-1', email: 'a@example.com', ...consent },
      { customer_id: 'u-2', email: 'b@example.com', ...consent },
      { customer_id: 'u-3', email: 'c@example.com' },
    ]
    writeFileSync(input, contacts.map((r) => JSON.stringify(r)).join('\n') + '\n')
    const stored: ImportEvent[] = []
    const sender: CollectorSender = {
      async send(serialised) {
        const events = serialised.map((e) => JSON.parse(e) as ImportEvent)
        const rejected = events.flatMap((e, index) => {
          if (e.type === 'track' && e['userId'] !== 'u-3')
            return [
              e['userId'] === 'u-2'
                ? { index, code: 'SIL_EVENT_NO_CONSENT', message: 'no consent' }
                : { index, code: 'SIL_EVENT_INVALID', message: 'not in the tracking plan' },
            ]
          if (e.type === 'identify' && e['userId'] === 'u-2')
            return [{ index, code: 'SIL_EVENT_INVALID', message: 'traits.email is not an email' }]
          return []
        })
        stored.push(...events.filter((_, i) => !rejected.some((r) => r.index === i)))
        return { accepted: events.length - rejected.length, rejected }
      },
    }
    const s = await runImport({
      input,
      reader: createFileReader(input, 'ndjson'),
      mapping: resolveMapping('crm'),
      sender,
    })
    expect(stored.map((e) => [e.type, e['userId']])).toEqual([
      ['identify', 'u-1'],
      ['identify', 'u-3'],
    ])
    // The summary matches what was stored: u-1 imported (its identify), u-2 refused (nothing stored).
    expect(s).toMatchObject({ rows: 3, imported: 2, events: 2, refused: 1, partlyRefused: 1 })
    const lines = readFileSync(`${input}.rejected.ndjson`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines).toEqual([
      {
        row: 1,
        stage: 'collector',
        code: 'SIL_EVENT_INVALID',
        reason: 'not in the tracking plan',
        values: contacts[0],
        partial: true,
        events: [{ event: 'Consent Updated', code: 'SIL_EVENT_INVALID', reason: 'not in the tracking plan' }],
      },
      {
        row: 2,
        stage: 'collector',
        code: 'SIL_EVENT_INVALID',
        reason: 'identify: traits.email is not an email; Consent Updated: no consent',
        // A privacy refusal among them: no values kept.
        values: {},
        events: [
          { event: 'identify', code: 'SIL_EVENT_INVALID', reason: 'traits.email is not an email' },
          { event: 'Consent Updated', code: 'SIL_EVENT_NO_CONSENT', reason: 'no consent' },
        ],
      },
    ])
  })
})
