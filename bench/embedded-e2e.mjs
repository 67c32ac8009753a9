// End to end, embedded mode: HTTP -> collector -> local log (fsync) -> identity -> chDB, in one
// process, loaded with 50-event batches. Beside it, in the same run, the same load against a
// bare Fastify route that only parses JSON.
//
//   pnpm bench:embedded            (after pnpm build)
//   SECONDS=20 CONNECTIONS=32 pnpm bench:embedded
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cpuByStage, formatStages } from './cpu-stages.mjs'
import { freePort, load, machine, startProcess, waitFor } from './lib.mjs'

const SECONDS = Number(process.env.SECONDS ?? 10)
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16)
const WRITE_KEY = 'wk_bench_0123456789'
const ADMIN = 'admin_bench_0123456789abcdef'
const BATCH = 50
// RATE=<events/s>: a steady offered load instead of as fast as possible (CPU per event below saturation).
const RATE = Number(process.env.RATE ?? 0)
// CPU_PROF_DIR=<dir>: the server runs with --cpu-prof (one profile per thread, see
// bench/cpu-profile-summary.mjs), and its JavaScript CPU per event is printed by pipeline stage
// (bench/cpu-stages.mjs).
const CPU_PROF_DIR = process.env.CPU_PROF_DIR
// NODE_FLAGS="--max-semi-space-size=64": V8 flags for the server process only (not the load).
const NODE_FLAGS = (process.env.NODE_FLAGS ?? '').split(' ').filter(Boolean)

/** CPU seconds of each thread of `pid`, by thread name (Linux /proc; empty elsewhere). */
function threadCpu(pid) {
  const out = new Map()
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
      // The main thread apart from the others named "node" (libuv's pool, V8's helpers).
      const name = tid === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const secs = (Number(f[11]) + Number(f[12])) / 100
      out.set(`${name}#${tid}`, secs)
    }
  } catch {
    // not Linux, or the process is gone
  }
  return out
}

/** Per thread name: CPU seconds spent between two readings. */
function cpuBetween(before, after) {
  const byName = new Map()
  for (const [key, secs] of after) {
    const name = key.slice(0, key.lastIndexOf('#')).replace(/[0-9]+$/, '')
    byName.set(name, (byName.get(name) ?? 0) + secs - (before.get(key) ?? 0))
  }
  return [...byName].filter(([, s]) => s > 0.05).sort((a, b) => b[1] - a[1])
}

async function query(url, sql) {
  const res = await fetch(`${url}/admin/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify({ sql }),
  })
  if (!res.ok) throw new Error(await res.text())
  return (await res.text())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
}

console.log(`machine: ${machine()}`)
console.log(`load: autocannon, ${CONNECTIONS} connections, ${SECONDS} s, ${BATCH}-event batches (~28 KB)\n`)

// Baseline.
{
  const port = await freePort()
  const bare = await startProcess(['bench/bare-fastify.mjs'], {
    env: { PORT: String(port) },
    readyUrl: `http://127.0.0.1:${port}/healthz`,
  })
  const r = await load(`http://127.0.0.1:${port}/v1/batch`, { seconds: SECONDS, connections: CONNECTIONS })
  await bare.stop()
  console.log(
    `bare Fastify (JSON parse only):  ${Math.round(r.reqPerSec * BATCH)} events/s  p50 ${r.p50} ms  p99 ${r.p99} ms`,
  )
}

// Sillage embedded.
const dataDir = mkdtempSync(join(tmpdir(), 'sillage-bench-'))
try {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const env = {
    SILLAGE_DATA_DIR: dataDir,
    SILLAGE_PORT: String(port),
    SILLAGE_ADMIN_TOKEN: ADMIN,
    SILLAGE_LOG_LEVEL: 'warn',
    SILLAGE_SOURCES: JSON.stringify([{ id: 'bench', writeKey: WRITE_KEY, type: 'server' }]),
  }
  const sillage = await startProcess(['apps/sillage/dist/main.js', 'start'], {
    env,
    readyUrl: `${url}/healthz`,
    prefix: [...NODE_FLAGS, ...(CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR] : [])],
  })
  const cpuBefore = threadCpu(sillage.proc.pid)
  const started = Date.now()
  const r = await load(`${url}/v1/batch`, {
    seconds: SECONDS,
    connections: CONNECTIONS,
    ...(RATE > 0 ? { rate: RATE / BATCH } : {}),
    headers: { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` },
  })
  const accepted = r.ok * BATCH
  const loadEnded = Date.now()
  await waitFor(
    async () => Number((await query(url, 'SELECT count() AS n FROM sillage.events'))[0].n) >= accepted,
    {
      timeoutMs: 300_000,
      intervalMs: 250,
      what: 'every accepted event in ClickHouse',
    },
  )
  const drained = Date.now()
  const cpu = cpuBetween(cpuBefore, threadCpu(sillage.proc.pid))
  const [f] = await query(
    url,
    `SELECT quantile(0.5)(dateDiff('millisecond', received_at, inserted_at)) AS p50,
            quantile(0.95)(dateDiff('millisecond', received_at, inserted_at)) AS p95,
            count() AS n, uniqExact(message_id) AS ids, uniqExact(inserted_at) AS inserts FROM sillage.events`,
  )
  await sillage.stop()
  console.log(
    `sillage collector (HTTP 200s):   ${Math.round(accepted / SECONDS)} events/s  p50 ${r.p50} ms  p99 ${r.p99} ms  non-2xx ${r.non2xx}  errors ${r.errors}`,
  )
  console.log(
    `sillage into ClickHouse:         ${Math.round(accepted / ((drained - started) / 1000))} events/s sustained (${accepted} events, last row ${((drained - loadEnded) / 1000).toFixed(1)} s after the load ended)`,
  )
  console.log(`freshness (received -> stored):  p50 ${Math.round(f.p50)} ms  p95 ${Math.round(f.p95)} ms`)
  console.log(`rows ${f.n}, distinct message ids ${f.ids}, inserts ${f.inserts}`)
  const cpuTotal = cpu.reduce((a, [, v]) => a + v, 0)
  console.log(
    `CPU of the process until drained: ${cpuTotal.toFixed(1)} s, ${((cpuTotal / accepted) * 1e6).toFixed(1)} µs per event; by thread: ` +
      cpu.map(([name, v]) => `${name} ${((v / accepted) * 1e6).toFixed(1)} µs`).join(', '),
  )
  if (CPU_PROF_DIR) {
    console.log(
      `JavaScript CPU by stage (--cpu-prof, the whole run with start-up, per event): ${formatStages(cpuByStage(CPU_PROF_DIR), accepted)}`,
    )
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}
