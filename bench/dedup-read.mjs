// Identity's dedup read (`SELECT message_id FROM event_ids WHERE message_id IN {ids}`) against a
// large event_ids table of random message ids, as the official Segment libraries send them (UUID
// v4: no two neighbours in time are neighbours in the table's order), at the table's index
// granularity (8192, ClickHouse's default, shipped) and at 1024: CPU of the whole process (chDB's
// threads included) per read of 1,000 ids, 100 of them stored. The bench's own events have ids
// that sort by time, so bench:embedded does not see this cost (docs/benchmarks.md, round of
// 2026-12-08).
//
//   node bench/dedup-read.mjs [rows=5000000] [reads=10]
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { randomUUID } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { machine } from './lib.mjs'

const ROWS = Number(process.argv[2] ?? 5_000_000)
const READS = Number(process.argv[3] ?? 10)
const GRANULARITIES = [8192, 1024]

const require = createRequire(new URL('../packages/warehouse/package.json', import.meta.url))
const { Session } = require('chdb')
const dir = mkdtempSync(join(tmpdir(), 'sillage-dedup-read-'))
const session = new Session(dir)
console.log(
  `machine: ${machine()}\nevent_ids of ${ROWS} random message ids, reads of 1,000 ids (100 stored)\n`,
)
try {
  for (const g of GRANULARITIES) {
    session.query(
      `CREATE TABLE ids_${g} (message_id String, received_at DateTime64(3, 'UTC'))
       ENGINE = ReplacingMergeTree ORDER BY message_id SETTINGS index_granularity = ${g}`,
    )
    session.query(`INSERT INTO ids_${g} SELECT toString(generateUUIDv4()), now64(3) FROM numbers(${ROWS})`)
    session.query(`OPTIMIZE TABLE ids_${g} FINAL`)
  }
  const stored = session
    .query(`SELECT message_id FROM ids_${GRANULARITIES[0]} ORDER BY rand() LIMIT ${READS * 100}`, 'TSV')
    .toString()
    .trim()
    .split('\n')
  session.query(
    `INSERT INTO ids_${GRANULARITIES[1]} SELECT * FROM ids_${GRANULARITIES[0]} WHERE message_id IN ('${stored.join("','")}')`,
  )
  for (const round of [1, 2]) {
    for (const g of GRANULARITIES) {
      const cpu0 = process.cpuUsage()
      const t0 = performance.now()
      let found = 0
      for (let k = 0; k < READS; k++) {
        const ids = [
          ...stored.slice(k * 100, k * 100 + 100),
          ...Array.from({ length: 900 }, () => randomUUID()),
        ]
        const out = await session.queryBindAsync(
          `SELECT message_id FROM ids_${g} WHERE message_id IN {ids:Array(String)}`,
          { ids },
          { format: 'TSV' },
        )
        found += out.text().split('\n').filter(Boolean).length
      }
      const cpu = process.cpuUsage(cpu0)
      console.log(
        `round ${round}  index_granularity ${String(g).padEnd(5)} ${((performance.now() - t0) / READS).toFixed(1)} ms wall, ` +
          `${((cpu.user + cpu.system) / 1000 / READS).toFixed(1)} ms CPU per read (found ${found} of ${READS * 100})`,
      )
    }
  }
} finally {
  session.close?.()
  rmSync(dir, { recursive: true, force: true })
}
