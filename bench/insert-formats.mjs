// The events insert through @clickhouse/client on chDB, by input format: JSONEachRow (objects)
// against JSONCompactEachRow (arrays in a fixed column order; through the client's insert, and as
// bytes through Warehouse.insertEncoded, as identity inserts since 2026-12-06) and TabSeparated
// (one escaped line per row), and Arrow columns read in place by chDB (Warehouse.insertColumns,
// as identity inserts on chDB since 2026-12-07). Same rows (identity's row mapping of the
// testkit's shop events), same batches; wall time and process CPU (every thread: chDB parses on
// its own). The formats' order turns each round, so that none is always first.
//
//   node bench/insert-formats.mjs [rows=100000] [batch=5000] [rounds=2] [format substring]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Readable } from 'node:stream'
import { enrich, generateShop } from '@sillage/testkit/identity'
import { toEventRow } from '../services/identity/dist/index.js'
import { createWarehouse, migrate, toArrowColumns } from '../packages/warehouse/dist/index.js'
import { machine } from './lib.mjs'

const ROWS = Number(process.argv[2] ?? 100_000)
const BATCH = Number(process.argv[3] ?? 5000)
const ROUNDS = Number(process.argv[4] ?? 2)
const ONLY = process.argv[5] ?? ''

const shop = generateShop({ seed: 3, shoppers: 2000 })
const base = shop.events.map(({ event }) => toEventRow(enrich(event), 'p'))
const rows = Array.from({ length: ROWS }, (_, i) => ({ ...base[i % base.length], message_id: `m${i}` }))
const columns = Object.keys(rows[0])

const tsv = (v) =>
  v === null
    ? '\\N'
    : typeof v === 'boolean'
      ? v
        ? '1'
        : '0'
      : String(v).replace(/[\\\t\n]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : '\\n'))

const formats = {
  JSONEachRow: (wh, batch) =>
    wh.client.insert({ table: `${wh.database}.events`, values: batch, format: 'JSONEachRow' }),
  JSONCompactEachRow: (wh, batch) =>
    wh.client.insert({
      table: `${wh.database}.events`,
      columns,
      values: batch.map((r) => columns.map((c) => r[c])),
      format: 'JSONCompactEachRow',
    }),
  // The same arrays, encoded here in one pass and handed over as bytes (Warehouse.insertEncoded:
  // on chDB the connection's zero-copy raw insert, over HTTP the request body).
  'JSONCompactEachRow bytes': (wh, batch) => {
    let text = ''
    for (const r of batch) text += JSON.stringify(columns.map((c) => r[c])) + '\n'
    return wh.insertEncoded({
      table: `${wh.database}.events`,
      columns,
      format: 'JSONCompactEachRow',
      payload: Buffer.from(text),
    })
  },
  // The columns in Arrow's layout, read in place by the engine (arrowstream): no text to parse.
  'Arrow columns': (wh, batch) =>
    wh.insertColumns({ table: `${wh.database}.events`, columns: toArrowColumns(batch, columns) }),
  TabSeparated: (wh, batch) =>
    wh.client.insert({
      table: `${wh.database}.events`,
      columns,
      values: Readable.from(
        [Buffer.from(batch.map((r) => columns.map((c) => tsv(r[c])).join('\t')).join('\n') + '\n')],
        { objectMode: false },
      ),
      format: 'TabSeparated',
    }),
}

console.log(`machine: ${machine()}\n${ROWS} event rows, ${columns.length} columns, batches of ${BATCH}\n`)
const dir = mkdtempSync(join(tmpdir(), 'sillage-insert-formats-'))
const results = []
try {
  const chosen = Object.entries(formats).filter(([name]) => name.includes(ONLY))
  for (let round = 1; round <= ROUNDS; round++) {
    const turned = [
      ...chosen.slice((round - 1) % chosen.length),
      ...chosen.slice(0, (round - 1) % chosen.length),
    ]
    for (const [name, insert] of turned) {
      const wh = createWarehouse({
        database: `f_${name.toLowerCase().replace(/\W/g, '_')}_${round}`,
        dataDir: dir,
      })
      await migrate(wh)
      const cpu0 = process.cpuUsage()
      const t0 = performance.now()
      for (let i = 0; i < rows.length; i += BATCH) await insert(wh, rows.slice(i, i + BATCH))
      const wall = (performance.now() - t0) / 1000
      const cpu = process.cpuUsage(cpu0)
      const rs = await wh.client.query({
        query: `SELECT count() AS n FROM ${wh.database}.events`,
        format: 'JSONEachRow',
      })
      const [{ n }] = await rs.json()
      if (Number(n) !== ROWS) throw new Error(`${name}: ${n} rows stored`)
      const cpuUs = ((cpu.user + cpu.system) / ROWS).toFixed(1)
      results.push(
        `${name.padEnd(20)} round ${round}: ${Math.round(ROWS / wall)} rows/s, ${cpuUs} µs CPU per row`,
      )
      console.log(results.at(-1))
      await wh.close()
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}

// The Arrow encoding alone, on this thread (no engine): what identity's event loop pays per row.
if ('Arrow columns'.includes(ONLY)) {
  for (let round = 1; round <= ROUNDS; round++) {
    const t0 = performance.now()
    for (let i = 0; i < rows.length; i += BATCH) toArrowColumns(rows.slice(i, i + BATCH), columns)
    const us = ((performance.now() - t0) * 1000) / ROWS
    console.log(`Arrow encoding only  round ${round}: ${us.toFixed(2)} µs per row on the JavaScript thread`)
  }
}
