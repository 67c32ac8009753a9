// Identity's dedup read against a large index of random message ids, as the official Segment
// libraries send them (UUID v4: no two neighbours in time are neighbours in the index's order):
// the index before migration 0093 (event_ids, sorted by message_id) against message_ids (sorted by
// the UTC day of the client timestamp, then message_id; granules of 1,024 rows), in one process,
// on the same ids. ROWS events over the last 30 days, in PARTS parts (merges stopped, as between
// two merges of a busy table). CPU of the whole process (chDB's threads included) per read of
// 1,000 ids, each read with new ids (a repeated read would be answered by ClickHouse's query
// condition cache):
// - live: 1,000 new events of today (the common case: nothing is a duplicate);
// - resent: 900 new events and 100 stored ones resent from the last 30 days;
// - replayed: 1,000 stored events of the last 30 days (a history replayed).
//
//   node bench/dedup-read.mjs [rows=5000000] [reads=10] [parts=8]
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { randomUUID } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { dayCondition, dayHere } from '../packages/warehouse/dist/repositories/message-keys.js'
import { machine } from './lib.mjs'

const ROWS = Number(process.argv[2] ?? 5_000_000)
const READS = Number(process.argv[3] ?? 10)
const PARTS = Number(process.argv[4] ?? 8)
const INDEXES = {
  'event_ids (before)': {
    ddl: `CREATE TABLE event_ids (message_id String, received_at DateTime64(3, 'UTC'))
          ENGINE = ReplacingMergeTree ORDER BY message_id`,
    fill: (where) => `INSERT INTO event_ids SELECT message_id, ts FROM src WHERE ${where}`,
    read: (keys) => [
      'SELECT message_id FROM event_ids WHERE message_id IN {ids:Array(String)}',
      { ids: keys.map((k) => k[0]) },
    ],
  },
  'message_ids (0093)': {
    ddl: `CREATE TABLE message_ids (day Int64, message_id String, received_at DateTime64(3, 'UTC'))
          ENGINE = ReplacingMergeTree ORDER BY (day, message_id) SETTINGS index_granularity = 1024`,
    fill: (where) =>
      `INSERT INTO message_ids SELECT intDiv(toUnixTimestamp64Milli(ts), 86400000), message_id, ts FROM src WHERE ${where}`,
    // As the events repository reads it (message-keys.ts): the days computed here, a clause per
    // day up to four days, else (day, id) pairs, given as the text ClickHouse reads them.
    read: (keys) => {
      const mk = keys.map(([messageId, originalTimestamp]) => ({ messageId, originalTimestamp }))
      const { where, params } = dayCondition(
        mk,
        mk.map((k) => dayHere(k.originalTimestamp)),
      )
      const text = Object.entries(params).map(([k, v]) => [
        k,
        k === 'keys' ? `[${v.map((t) => `(${t.values[0]},'${t.values[1]}')`).join(',')}]` : v,
      ])
      return [`SELECT message_id FROM message_ids WHERE ${where}`, Object.fromEntries(text)]
    },
  },
}

const require = createRequire(new URL('../packages/warehouse/package.json', import.meta.url))
const { Session } = require('chdb')
const dir = mkdtempSync(join(tmpdir(), 'sillage-dedup-read-'))
const session = new Session(dir)
console.log(
  `machine: ${machine()}; ${new Date().toISOString().slice(0, 10)}\n` +
    `${ROWS} random message ids over 30 days in ${PARTS} parts; reads of 1,000 ids, new ids each read\n`,
)
try {
  session.query(
    `CREATE TABLE src (message_id String, ts DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY tuple()`,
  )
  session.query(
    `INSERT INTO src SELECT toString(generateUUIDv4()),
       now64(3) - toIntervalMillisecond(intDiv(number * 30 * 86400000, ${ROWS})) FROM numbers(${ROWS})`,
  )
  for (const [name, index] of Object.entries(INDEXES)) {
    session.query(index.ddl)
    session.query(`SYSTEM STOP MERGES ${name.split(' ')[0]}`)
    for (let p = 0; p < PARTS; p++) session.query(index.fill(`cityHash64(message_id) % ${PARTS} = ${p}`))
  }
  const need = 2 * READS * 1100
  const stored = session
    .query(`SELECT message_id, toString(ts) FROM src ORDER BY rand() LIMIT ${need}`, 'TSV')
    .toString()
    .trim()
    .split('\n')
    .map((line) => line.split('\t'))
    .map(([id, ts]) => [id, `${ts.replace(' ', 'T')}Z`]) // the collector's form
  let next = 0
  const take = (n) => stored.slice(next, (next += n))
  const fresh = (n) => Array.from({ length: n }, () => [randomUUID(), new Date().toISOString()])
  const cases = {
    live: () => fresh(1000),
    resent: () => [...take(100), ...fresh(900)],
    replayed: () => take(1000),
  }
  for (const [label, make] of Object.entries(cases)) {
    // The same keys for both indexes, new for every read.
    const reads = Array.from({ length: READS }, make)
    for (const [name, index] of Object.entries(INDEXES)) {
      const cpu0 = process.cpuUsage()
      const t0 = performance.now()
      let found = 0
      for (const keys of reads) {
        const [sql, params] = index.read(keys)
        const out = await session.queryBindAsync(sql, params, { format: 'TSV' })
        found += out.text().split('\n').filter(Boolean).length
      }
      const cpu = process.cpuUsage(cpu0)
      console.log(
        `${label.padEnd(9)} ${name.padEnd(19)} ${((performance.now() - t0) / READS).toFixed(1).padStart(6)} ms wall ` +
          `${((cpu.user + cpu.system) / 1000 / READS).toFixed(1).padStart(6)} ms CPU per read (found ${found} of ${READS * 1000})`,
      )
    }
  }
} finally {
  session.close?.()
  rmSync(dir, { recursive: true, force: true })
}
