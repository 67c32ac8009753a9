// The events insert's cost with and without the materialised views that ride on it (message_ids_mv:
// the dedup index; person_activity_mv and person_traits_mv: the persons model): identity's rows
// of the testkit's shop events, as bytes (Warehouse.insertEncoded, JSONCompactEachRow, as identity
// inserts), into freshly migrated databases on chDB, then the views dropped per variant. Process
// CPU of every thread per row (chDB parses and writes on its own threads). Issue 17's lever
// "the engine's share": measured, see docs/benchmarks.md.
//
//   node bench/insert-views.mjs [rows=60000] [batch=2500] [rounds=3]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { enrich, generateShop } from '@sillage/testkit/identity'
import { toEventRow } from '../services/identity/dist/index.js'
import { createWarehouse, migrate } from '../packages/warehouse/dist/index.js'
import { machine } from './lib.mjs'

const ROWS = Number(process.argv[2] ?? 60_000)
const BATCH = Number(process.argv[3] ?? 2500)
const ROUNDS = Number(process.argv[4] ?? 3)

const shop = generateShop({ seed: 3, shoppers: 2000 })
const base = shop.events.map(({ event }) => toEventRow(enrich(event), 'p'))
// Persons spread as in a shop (3,000 of them), so that the persons views group like in production.
const rows = Array.from({ length: ROWS }, (_, i) => ({
  ...base[i % base.length],
  message_id: `m${i}`,
  person_id: `p${i % 3000}`,
}))
const columns = Object.keys(rows[0])
const variants = {
  'every view (shipped)': [],
  'no views': ['message_ids_mv', 'person_activity_mv', 'person_traits_mv'],
  'dedup index only': ['person_activity_mv', 'person_traits_mv'],
}

console.log(`machine: ${machine()}\n${ROWS} event rows, ${columns.length} columns, batches of ${BATCH}\n`)
const dir = mkdtempSync(join(tmpdir(), 'sillage-insert-views-'))
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, drop] of Object.entries(variants)) {
      const wh = createWarehouse({ database: `v${round}_${name.replace(/\W/g, '_')}`, dataDir: dir })
      await migrate(wh)
      for (const view of drop) await wh.client.command({ query: `DROP VIEW ${wh.database}.${view}` })
      const cpu0 = process.cpuUsage()
      const t0 = performance.now()
      for (let i = 0; i < rows.length; i += BATCH) {
        let text = ''
        for (const r of rows.slice(i, i + BATCH)) text += JSON.stringify(columns.map((c) => r[c])) + '\n'
        await wh.insertEncoded({
          table: `${wh.database}.events`,
          columns,
          format: 'JSONCompactEachRow',
          payload: Buffer.from(text),
        })
      }
      const wall = (performance.now() - t0) / 1000
      const cpu = process.cpuUsage(cpu0)
      const perRow = ((cpu.user + cpu.system) / ROWS).toFixed(1)
      console.log(
        `round ${round}  ${name.padEnd(22)} ${Math.round(ROWS / wall)} rows/s, ${perRow} µs CPU per row`,
      )
      await wh.close()
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
