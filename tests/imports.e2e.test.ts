import { execFile } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateImportScenario, toCsv } from '../packages/testkit/src/imports/index.js'
import {
  ADMIN_TOKEN,
  authHeader,
  cliMain,
  freePort,
  query,
  repoRoot,
  startPipeline,
  tempDir,
  waitFor,
  waitForCount,
  WRITE_KEY,
  type Pipeline,
} from './helpers/pipeline.js'

// Issue 20's acceptance: a CRM file, a catalogue and a year of store receipts for shoppers who also
// browse and buy on the web and in the app, imported with `sillage import` through the running
// `sillage start` (collector, identity, local bus, chDB in process). Compared with the generator's
// ground truth (packages/testkit/src/imports).
const scenario = generateImportScenario({ seed: 20, people: 40 })
const { truth } = scenario
const run = promisify(execFile)
const dir = tempDir('sil-imports-e2e-')
const files = {
  crm: join(dir.path, 'crm.ndjson'),
  catalogue: join(dir.path, 'catalogue.csv'),
  receipts: join(dir.path, 'receipts.csv'),
}
const RECEIPT_COLUMNS = [
  'receipt_id',
  'store_id',
  'timestamp',
  'loyalty_card',
  'email',
  'items',
  'total',
  'currency',
]
const CATALOGUE_COLUMNS = ['product_id', 'sku', 'name', 'category', 'brand', 'price']
/** Events the good rows make: a receipt is one; a contact an identify and a Consent Updated. */
const importedEvents = scenario.receiptRows.length - 1 + (scenario.crmRows.length - 1) * 2
const expectedEvents = scenario.events.length + importedEvents

let pipeline: Pipeline
let env: Record<string, string>

async function sillageImport(file: string, kind: string): Promise<string> {
  const { stdout } = await run(process.execPath, [cliMain, 'import', file, '--kind', kind], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
  })
  return stdout
}

/** Events the identity service has handled (landed or recognised as duplicates), from /metrics. */
async function handled(): Promise<number> {
  const text = await (await fetch(`${pipeline.url}/metrics`)).text()
  let n = 0
  for (const line of text.split('\n')) {
    const m = /^sillage_identity_events_(inserted|duplicate)_total(?:\{[^}]*\})? (\d+)/.exec(line)
    if (m) n += Number(m[2])
  }
  return n
}

async function counts() {
  const [row] = await query<Record<string, string>>(
    pipeline.url,
    `SELECT
      (SELECT uniqExact(message_id) FROM sillage.events) AS events,
      (SELECT count() FROM sillage.orders) AS orders,
      (SELECT count() FROM sillage.customer_360) AS people,
      (SELECT round(sum(revenue), 2) FROM sillage.store_daily_kpis) AS store_revenue,
      (SELECT count() FROM sillage.products_current) AS products,
      (SELECT count() FROM sillage.consent_events) AS consent_records`,
  )
  return row
}

beforeAll(async () => {
  writeFileSync(files.crm, scenario.crmRows.map((r) => JSON.stringify(r)).join('\n') + '\n')
  writeFileSync(files.catalogue, toCsv(CATALOGUE_COLUMNS, scenario.catalogueRows))
  writeFileSync(files.receipts, toCsv(RECEIPT_COLUMNS, scenario.receiptRows))
  const port = await freePort()
  const dataDir = join(dir.path, 'data')
  pipeline = await startPipeline({ dataDir, port })
  env = {
    SILLAGE_DATA_DIR: dataDir,
    SILLAGE_SOURCES: JSON.stringify([{ id: 'test', writeKey: WRITE_KEY, type: 'server' }]),
    SILLAGE_LOG_LEVEL: 'warn',
    SILLAGE_ADMIN_TOKEN: ADMIN_TOKEN,
  }
  // The live web and app events, as their SDKs send them (no sentAt: timestamps kept as given).
  for (let i = 0; i < scenario.events.length; i += 200) {
    const res = await fetch(`${pipeline.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: authHeader },
      body: JSON.stringify({ batch: scenario.events.slice(i, i + 200) }),
    })
    expect(res.status).toBe(200)
  }
  await sillageImport(files.catalogue, 'catalogue')
  await sillageImport(files.crm, 'crm')
  await sillageImport(files.receipts, 'receipts')
  await waitForCount(pipeline.url, 'SELECT uniqExact(message_id) AS n FROM sillage.events', expectedEvents, {
    timeoutMs: 120_000,
  })
  // Identity links land with the events; wait for the merges to settle (every order stitched).
  await waitFor(async () => handled().then((n) => n >= expectedEvents), {
    timeoutMs: 60_000,
    what: 'identity',
  })
}, 240_000)

afterAll(async () => {
  await pipeline?.stop()
  dir.remove()
})

describe('sillage import (receipts, CRM, catalogue) end to end', () => {
  it("stitches each person's web, app and store orders into one customer_360 row, as the ground truth says", async () => {
    const byPerson = new Map<string, { orders: string[]; cents: number; channels: Set<string> }>()
    for (const o of truth.orders) {
      const p = byPerson.get(o.personKey) ?? { orders: [], cents: 0, channels: new Set<string>() }
      p.orders.push(o.orderId)
      p.cents += o.totalCents
      p.channels.add(o.channel)
      byPerson.set(o.personKey, p)
    }
    const expected = [...byPerson.values()].map((p) => p.orders.sort().join(' ')).sort()
    const rows = await waitFor(
      async () => {
        const r = await query<{ person_id: string; ids: string[] }>(
          pipeline.url,
          'SELECT person_id, arraySort(groupArray(order_id)) AS ids FROM sillage.orders GROUP BY person_id',
        )
        const got = r.map((x) => x.ids.join(' ')).sort()
        return JSON.stringify(got) === JSON.stringify(expected) ? r : undefined
      },
      { timeoutMs: 60_000, what: 'orders grouped by person as the ground truth says' },
    ).catch(async (err: unknown) => {
      const r = await query<{ ids: string[] }>(
        pipeline.url,
        'SELECT arraySort(groupArray(order_id)) AS ids FROM sillage.orders GROUP BY person_id',
      )
      expect(r.map((x) => x.ids.join(' ')).sort()).toEqual(expected)
      throw err
    })
    const c360 = new Map(
      (
        await query<{ person_id: string; orders: string; revenue: number; channels: string[] }>(
          pipeline.url,
          'SELECT person_id, orders, revenue, channels FROM sillage.customer_360 WHERE orders > 0',
        )
      ).map((r) => [r.person_id, r]),
    )
    expect(c360.size).toBe(byPerson.size)
    for (const [key, p] of byPerson) {
      const personId = rows.find((r) => r.ids.join(' ') === p.orders.join(' '))?.person_id as string
      const row = c360.get(personId)
      expect({ key, orders: Number(row?.orders), cents: Math.round((row?.revenue ?? 0) * 100) }).toEqual({
        key,
        orders: p.orders.length,
        cents: p.cents,
      })
      for (const ch of p.channels) expect(row?.channels).toContain(ch)
    }
    // The CRM's identifiers reached the profiles: each account holder is one row.
    const accounts = await query<{ user_id: string; n: string }>(
      pipeline.url,
      'SELECT arrayJoin(user_ids) AS user_id, count() AS n FROM sillage.customer_360 GROUP BY user_id HAVING n > 1',
    )
    expect(accounts).toEqual([])
  })

  it("matches the receipts file's totals per store and day to the cent, and splits orders by channel", async () => {
    const rows = await query<{ day: string; store_id: string; orders: string; revenue: number }>(
      pipeline.url,
      'SELECT toString(day) AS day, store_id, orders, revenue FROM sillage.store_daily_kpis',
    )
    const got = Object.fromEntries(
      rows.map((r) => [
        `${r.day}|${r.store_id}`,
        { orders: Number(r.orders), cents: Math.round(r.revenue * 100) },
      ]),
    )
    expect(got).toEqual(truth.storeDays)

    const channels = await query<{ channel: string; orders: string; visits: string }>(
      pipeline.url,
      `SELECT channel, sum(orders) AS orders, sum(visits) AS visits FROM sillage.channel_daily_kpis
       WHERE channel != '(all)' GROUP BY channel ORDER BY channel`,
    )
    const want = (ch: string) => truth.orders.filter((o) => o.channel === ch).length
    expect(Object.fromEntries(channels.map((c) => [c.channel, Number(c.orders)]))).toEqual({
      app: want('app'),
      store: want('store'),
      web: want('web'),
    })
    // App flows (installed, opened, screens with a device id) are app visits.
    expect(Number(channels.find((c) => c.channel === 'app')?.visits)).toBe(truth.appVisits)

    const [summary] = await query<Record<string, string>>(
      pipeline.url,
      'SELECT * FROM sillage.cross_channel_summary',
    )
    expect({
      cross: Number(summary?.['cross_channel_buyers']),
      webAndStore: Number(summary?.['web_and_store_buyers']),
      roboOrders: Number(summary?.['robo_orders']),
      roboBuyers: Number(summary?.['robo_buyers']),
    }).toEqual({
      cross: truth.crossChannelBuyers,
      webAndStore: truth.webAndStoreBuyers,
      roboOrders: truth.roboOrders,
      roboBuyers: truth.roboBuyers,
    })
  })

  it('writes the refused rows with their reasons next to the files, and fills the catalogue', async () => {
    const refused = (file: string) =>
      readFileSync(`${file}.rejected.ndjson`, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { row: number; code: string })
    expect(refused(files.receipts).map((r) => [r.row, r.code])).toEqual([
      [truth.refusedRows.receipts[0], 'SIL_IMPORT_VALUE_INVALID'],
    ])
    expect(refused(files.crm).map((r) => [r.row, r.code])).toEqual([
      [truth.refusedRows.crm[0], 'SIL_IMPORT_VALUE_INVALID'],
    ])
    const products = await query<{
      product_id: string
      brand: string
      list_price: number
      in_catalogue: number
    }>(
      pipeline.url,
      'SELECT product_id, brand, list_price, in_catalogue FROM sillage.product_performance ORDER BY product_id',
    )
    expect(products.map((p) => [p.product_id, p.brand, p.list_price])).toEqual(
      scenario.catalogue.map((p) => [p.product_id, p.brand, p.price]),
    )
  })

  it('changes no count when the same files are imported again', async () => {
    const before = await counts()
    const handledBefore = await handled()
    await sillageImport(files.catalogue, 'catalogue')
    await sillageImport(files.crm, 'crm')
    const out = await sillageImport(files.receipts, 'receipts')
    expect(out).toContain(`${scenario.receiptRows.length - 1} rows imported`)
    // Every re-sent event has reached identity (as a duplicate) before counting again.
    await waitFor(async () => (await handled()) >= handledBefore + importedEvents, {
      timeoutMs: 60_000,
      what: 'the second import to be handled',
    })
    expect(await counts()).toEqual(before)
    expect(Number(before?.['products'])).toBe(scenario.catalogue.length)
  })

  describe('the channel recipes of docs/analysts.md, run as written', () => {
    const recipes = new Map(
      [
        ...readFileSync(join(repoRoot, 'docs/analysts.md'), 'utf8').matchAll(
          /```sql\n-- imports recipe: ([a-z0-9-]+)\n([\s\S]*?)```/g,
        ),
      ].map((m) => [m[1] as string, m[2] as string]),
    )
    const rows = (id: string) => query<Record<string, unknown>>(pipeline.url, recipes.get(id) as string)
    const cents = (v: unknown) => Math.round(Number(v) * 100)
    type Line = { product_id: string; price: number; quantity: number }
    const orderLines: Array<{ channel: string; lines: Line[] }> = [
      ...scenario.receiptRows
        .filter((r) => r['receipt_id'] !== 'T-BAD')
        .map((r) => ({ channel: 'store', lines: JSON.parse(String(r['items'])) as Line[] })),
      ...scenario.events
        .filter((e) => e['event'] === 'Order Completed')
        .map((e) => ({
          channel: e['messageId']?.toString().startsWith('app-') ? 'app' : 'web',
          lines: (e['properties'] as { products: Line[] }).products,
        })),
    ]

    it('has the four recipes', () => {
      expect([...recipes.keys()].sort()).toEqual([
        'catalogue-sales',
        'channels-by-month',
        'cross-channel',
        'store-leaderboard',
      ])
    })

    it('channels-by-month', async () => {
      const want = new Map<string, { orders: number; cents: number }>()
      for (const o of truth.orders) {
        const k = `${new Date(o.at).toISOString().slice(0, 7)}-01|${o.channel}`
        const cur = want.get(k) ?? { orders: 0, cents: 0 }
        want.set(k, { orders: cur.orders + 1, cents: cur.cents + o.totalCents })
      }
      // A month with web visits and no order has a row with 0 orders.
      const got = (await rows('channels-by-month')).filter((r) => Number(r['orders']) > 0)
      expect(
        new Map(
          got.map((r) => [
            `${String(r['month'])}|${String(r['channel'])}`,
            { orders: Number(r['orders']), cents: cents(r['revenue']) },
          ]),
        ),
      ).toEqual(want)
    })

    it('store-leaderboard', async () => {
      const want = new Map<string, { orders: number; cents: number }>()
      for (const [k, v] of Object.entries(truth.storeDays)) {
        const store = k.split('|')[1] as string
        const cur = want.get(store) ?? { orders: 0, cents: 0 }
        want.set(store, { orders: cur.orders + v.orders, cents: cur.cents + v.cents })
      }
      const got = await rows('store-leaderboard')
      expect(
        new Map(
          got.map((r) => [
            String(r['store_id']),
            { orders: Number(r['orders']), cents: cents(r['revenue']) },
          ]),
        ),
      ).toEqual(want)
      expect(got.map((r) => cents(r['revenue']))).toEqual(
        [...got.map((r) => cents(r['revenue']))].sort((a, b) => b - a),
      )
    })

    it('cross-channel', async () => {
      const [r] = await rows('cross-channel')
      expect(Object.fromEntries(Object.entries(r ?? {}).map(([k, v]) => [k, Number(v)]))).toMatchObject({
        buyers: Number(new Set(truth.orders.map((o) => o.personKey)).size),
        cross_channel_buyers: Number(truth.crossChannelBuyers),
        web_and_store_buyers: Number(truth.webAndStoreBuyers),
        robo_buyers: Number(truth.roboBuyers),
        robo_orders: Number(truth.roboOrders),
      })
      expect(truth.roboOrders).toBeGreaterThan(0)
    })

    it('catalogue-sales', async () => {
      const want = new Map(scenario.catalogue.map((p) => [p.product_id, { store: 0, online: 0, cents: 0 }]))
      for (const o of orderLines) {
        for (const l of o.lines) {
          const w = want.get(l.product_id)
          if (!w) continue
          if (o.channel === 'store') w.store++
          else w.online++
          w.cents += Math.round(l.price * 100) * l.quantity
        }
      }
      const got = await rows('catalogue-sales')
      expect(
        new Map(
          got.map((r) => [
            String(r['product_id']),
            {
              store: Number(r['store_lines']),
              online: Number(r['online_lines']),
              cents: cents(r['revenue']),
            },
          ]),
        ),
      ).toEqual(want)
    })
  })

  // Last: it adds receipts the ground truth above does not know.
  it('POST /admin/imports takes a file as the body (admin token), through the same path', async () => {
    const csv = toCsv(RECEIPT_COLUMNS, [
      {
        receipt_id: 'U1',
        store_id: 'upload-store',
        timestamp: '2025-12-30 10:00:00',
        total: '10.10',
        currency: 'EUR',
      },
      {
        receipt_id: 'U2',
        store_id: 'upload-store',
        timestamp: '2025-12-30 11:00:00',
        total: '5,05',
        currency: 'EUR',
      },
      { receipt_id: 'U3', store_id: 'upload-store', timestamp: 'hier', total: '1', currency: 'EUR' },
      // Another shop's till numbers its receipts from 1 too: U1 there is another order.
      {
        receipt_id: 'U1',
        store_id: 'upload-nice',
        timestamp: '2025-12-30 12:00:00',
        total: '7',
        currency: 'EUR',
        items: JSON.stringify([{ product_id: 'p-nice', price: 3.5, quantity: 2 }]),
      },
    ])
    const upload = (token: string) =>
      fetch(`${pipeline.url}/admin/imports?kind=receipts&format=csv`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
        body: csv,
      })
    expect((await upload('wrong')).status).toBe(401)
    const res = await upload(ADMIN_TOKEN)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ success: true, rows: 4, imported: 3, events: 3, refused: 1 })
    const [row] = await waitFor(
      async () => {
        const r = await query<{ orders: string; revenue: number }>(
          pipeline.url,
          "SELECT orders, revenue FROM sillage.store_daily_kpis WHERE store_id = 'upload-store'",
        )
        return r.length > 0 && Number(r[0]?.orders) === 2 ? r : undefined
      },
      { what: 'the uploaded receipts in store_daily_kpis' },
    )
    expect(row?.revenue).toBe(15.15)
    const orders = await waitFor(
      async () => {
        const r = await query<{ order_id: string; revenue: number; lines: string[] }>(
          pipeline.url,
          `SELECT o.order_id AS order_id, o.revenue AS revenue,
             arrayFilter(x -> x != '', groupArray(i.product_id)) AS lines
           FROM sillage.orders AS o LEFT JOIN sillage.order_items AS i ON i.order_id = o.order_id
           WHERE JSONExtractString(o.properties, 'receipt_id') = 'U1'
           GROUP BY order_id, revenue ORDER BY order_id`,
        )
        return r.length === 2 ? r : undefined
      },
      { what: 'receipt U1 of two stores as two orders' },
    )
    expect(orders).toEqual([
      { order_id: 'upload-nice:U1', revenue: 7, lines: ['p-nice'] },
      { order_id: 'upload-store:U1', revenue: 10.1, lines: [] },
    ])
  })

  it('sends a gzip catalogue with non-ASCII column names to the running start (sillage import --mapping)', async () => {
    const file = join(dir.path, 'catalogue-ja.csv.gz')
    writeFileSync(file, gzipSync('商品ID,Désignation,prix\np-gz-1,Vétiver,14\n'))
    const mapping = join(dir.path, 'mapping-ja.json')
    writeFileSync(
      mapping,
      JSON.stringify({ columns: { product_id: '商品ID', name: 'Désignation', price: 'prix' } }),
    )
    const { stdout } = await run(
      process.execPath,
      [cliMain, 'import', file, '--kind', 'catalogue', '--mapping', mapping],
      { cwd: repoRoot, env: { ...process.env, ...env } },
    )
    expect(stdout).toContain('catalogue: 1 rows imported')
    expect(
      await query(
        pipeline.url,
        "SELECT product_id, name, price FROM sillage.products_current WHERE product_id = 'p-gz-1'",
      ),
    ).toEqual([{ product_id: 'p-gz-1', name: 'Vétiver', price: 14 }])
  })
})

describe('sillage import of a row too large for the collector', () => {
  it('refuses that row alone (SIL_IMPORT_ROW_TOO_LARGE) and imports the rows after it', async () => {
    const file = join(dir.path, 'receipts-big.csv')
    const row = (id: string, note: string) => `${id},big-store,2025-12-31 10:00:00,1.50,EUR,${note}`
    // 600 KB in one value: over the collector's SILLAGE_MAX_BATCH_BYTES (500 KB) on its own.
    writeFileSync(
      file,
      [
        'receipt_id,store_id,timestamp,total,currency,note',
        row('B1', 'a'),
        row('B2', 'x'.repeat(600_000)),
        row('B3', 'c'),
      ].join('\n') + '\n',
    )
    const mapping = join(dir.path, 'mapping-note.json')
    writeFileSync(mapping, JSON.stringify({ properties: { note: 'note' } }))
    const { stdout } = await run(
      process.execPath,
      [cliMain, 'import', file, '--kind', 'receipts', '--mapping', mapping],
      { cwd: repoRoot, env: { ...process.env, ...env } },
    )
    expect(stdout).toContain('receipts: 2 rows imported (2 events accepted), 1 refused')
    const rejected = readFileSync(`${file}.rejected.ndjson`, 'utf8').trim().split('\n')
    expect(rejected.map((l) => JSON.parse(l) as { row: number; code: string })).toEqual([
      expect.objectContaining({ row: 2, stage: 'collector', code: 'SIL_IMPORT_ROW_TOO_LARGE' }),
    ])
    const orders = await waitFor(
      async () => {
        const r = await query<{ order_id: string }>(
          pipeline.url,
          "SELECT order_id FROM sillage.orders WHERE JSONExtractString(properties, 'store_id') = 'big-store' ORDER BY order_id",
        )
        return r.length === 2 ? r : undefined
      },
      { what: 'the receipts around the large one' },
    )
    expect(orders.map((o) => o.order_id)).toEqual(['big-store:B1', 'big-store:B3'])
  })
})

describe('sillage import without a pipeline', () => {
  it('starts nothing, imports nothing and says so (exit 1); a wrong kind is a usage error (exit 2)', async () => {
    const empty = tempDir('sil-imports-none-')
    try {
      const file = join(empty.path, 'receipts.csv')
      writeFileSync(file, toCsv(RECEIPT_COLUMNS, scenario.receiptRows.slice(0, 3)))
      const cli = (args: string[]) =>
        run(process.execPath, [cliMain, 'import', file, ...args], {
          cwd: repoRoot,
          env: {
            ...process.env,
            SILLAGE_DATA_DIR: join(empty.path, 'data'),
            SILLAGE_SOURCES: JSON.stringify([{ id: 'test', writeKey: WRITE_KEY, type: 'server' }]),
          },
        }).then(
          () => ({ code: 0, stderr: '' }),
          (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
        )
      const none = await cli(['--kind', 'receipts'])
      expect(none.code).toBe(1)
      expect(none.stderr).toContain('no sillage start is running')
      expect(none.stderr).toContain('Start it (npx -y pnpm@10.34.8 sillage start)') // as printed, it runs
      expect(existsSync(`${file}.checkpoint.json`)).toBe(false)
      expect((await cli(['--kind', 'receipt'])).code).toBe(2)
    } finally {
      empty.remove()
    }
  })
})
