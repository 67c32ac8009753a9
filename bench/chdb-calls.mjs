// Counts a process's chDB calls by statement, with the time each kind took in all (wall, from the
// call to its answer), in every thread: a preload for `node --import`. Each thread rewrites
// `<CHDB_CALLS_DIR>/chdb-calls-<pid>-<thread>.txt` every 2 s: calls, milliseconds, method and the
// statement's first 140 characters, the costliest first. It found that identity made one insert
// into events per partition and batch (docs/benchmarks.md, round of 2026-12-08).
//
//   CHDB_CALLS_DIR=/tmp/calls node --import ./bench/chdb-calls.mjs apps/sillage/dist/main.js start
import { mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setInterval } from 'node:timers'
import { threadId } from 'node:worker_threads'

const dir = process.env.CHDB_CALLS_DIR ?? '/tmp'
const require = createRequire(new URL('../packages/warehouse/package.json', import.meta.url))
const { Session } = require('chdb')
const stats = new Map()

for (const method of ['query', 'queryBind', 'queryAsync', 'queryBindAsync', 'insert']) {
  const original = Session.prototype[method]
  Session.prototype[method] = function (...args) {
    const sql = typeof args[0] === 'string' ? args[0] : JSON.stringify(args[0]).slice(0, 200)
    const key = `${method} ${sql.replace(/\s+/g, ' ').slice(0, 140)}`
    const t0 = performance.now()
    const done = () => {
      const s = stats.get(key) ?? [0, 0]
      s[0]++
      s[1] += performance.now() - t0
      stats.set(key, s)
    }
    const out = original.apply(this, args)
    if (out && typeof out.then === 'function') out.then(done, done)
    else done()
    return out
  }
}

setInterval(() => {
  const rows = [...stats]
    .sort((a, b) => b[1][1] - a[1][1])
    .map(([key, [n, ms]]) => `${n}\t${ms.toFixed(0)}\t${key}`)
  try {
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, `chdb-calls-${process.pid}-${threadId}.txt`), rows.join('\n') + '\n')
  } catch {
    // the directory went away: written again at the next tick, never a crash of the process
  }
}, 2000).unref()
