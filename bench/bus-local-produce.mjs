// Produce throughput of the local bus (group commit + fdatasync), one scenario per run.
// Not a test: prints numbers. Uses the built package (pnpm build first).
//
//   node bench/bus-local-produce.mjs [concurrency] [recordsPerCall] [valueBytes] [seconds]
//
// e.g. 64 callers producing 1 record each, or 16 callers producing collector-sized batches of 50.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { createLocalBus } from '../packages/bus/dist/index.js'

const [concurrency = 64, perCall = 1, valueBytes = 256, seconds = 3] = process.argv.slice(2).map(Number)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sillage-bench-'))
const bus = createLocalBus({ dir })
await bus.ensureTopics([{ name: 'bench', partitions: 4 }])
const value = Buffer.alloc(valueBytes, 'v')

let records = 0
let calls = 0
const latencies = []
const deadline = Date.now() + seconds * 1000
const started = process.hrtime.bigint()
async function caller(c) {
  for (let n = 0; Date.now() < deadline; n++) {
    const messages = Array.from({ length: perCall }, (_, i) => ({ key: `user-${c}-${(n + i) % 100}`, value }))
    const t0 = process.hrtime.bigint()
    await bus.produce('bench', messages)
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6)
    records += perCall
    calls++
  }
}
await Promise.all(Array.from({ length: concurrency }, (_, c) => caller(c)))
const elapsed = Number(process.hrtime.bigint() - started) / 1e9
await bus.close()
fs.rmSync(dir, { recursive: true, force: true })

latencies.sort((a, b) => a - b)
const pct = (p) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(2)
console.log(
  JSON.stringify({
    concurrency,
    recordsPerCall: perCall,
    valueBytes,
    seconds: Number(elapsed.toFixed(2)),
    recordsPerSec: Math.round(records / elapsed),
    callsPerSec: Math.round(calls / elapsed),
    mbPerSec: Number(((records * valueBytes) / elapsed / 1e6).toFixed(1)),
    produceMs: { p50: pct(50), p99: pct(99) },
  }),
)
