// Collector throughput on ONE core (taskset), local bus, 50-event batches; then p50/p99 latency at
// half that load, open-loop (requests evenly spaced, latency from when each was due: lib.mjs). Beside it, in the same run, a bare Fastify route that only parses JSON.
// The load generator runs on the other core.
//
//   pnpm bench:collector            (after pnpm build)
import { existsSync } from 'node:fs'
import { freePort, load, machine, pacedLoad, startProcess } from './lib.mjs'

const SECONDS = Number(process.env.SECONDS ?? 10)
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16)
const WRITE_KEY = 'wk_bench_0123456789'
const BATCH = 50
/**
 * The servers run as a collector confined to one core should (docs/operations.md): with
 * `--single-threaded-gc`. V8's default GC marks on helper threads, which on one core compete with
 * the request thread: p99 at half load 32–47 ms in most runs against 8–18 ms
 * (docs/benchmarks.md). The default GC is measured too, as a diagnostic. NODE_FLAGS replaces the
 * flags.
 */
const ONE_CORE_FLAGS = (process.env.NODE_FLAGS ?? '--single-threaded-gc').split(' ').filter(Boolean)

async function scenario(name, script, env, headers, flags = ONE_CORE_FLAGS) {
  const port = await freePort()
  // The server is pinned to core 0; autocannon (this process) goes to core 1 below.
  const server = await startProcess([script], {
    env: { ...env, PORT: String(port) },
    readyUrl: `http://127.0.0.1:${port}/healthz`,
    command: 'taskset',
    prefix: ['-c', '0', process.execPath, ...flags],
  })
  const url = `http://127.0.0.1:${port}/v1/batch`
  const full = await load(url, { seconds: SECONDS, connections: CONNECTIONS, headers })
  const eventsPerSec = Math.round((full.ok / SECONDS) * BATCH)
  const half = await pacedLoad(url, {
    seconds: SECONDS,
    connections: CONNECTIONS,
    headers,
    rate: Math.max(1, full.ok / SECONDS / 2),
  })
  await server.stop()
  console.log(
    `${name.padEnd(44)} ${String(eventsPerSec).padStart(7)} events/s (1 core)  at half load: p50 ${half.p50} ms  p90 ${half.p90} ms  p99 ${half.p99} ms  max ${half.max} ms  (non-2xx ${full.non2xx + half.non2xx}, errors ${full.errors + half.errors})`,
  )
}

console.log(`machine: ${machine()}; ${new Date().toISOString().slice(0, 10)}`)
console.log(
  `load: core 1, ${CONNECTIONS} connections, ${SECONDS} s per phase, ${BATCH}-event batches (~28 KB): autocannon at full load, then a paced open-loop generator at half; server pinned to core 0 (node ${ONE_CORE_FLAGS.join(' ')})\n`,
)
await scenario('bare Fastify (JSON parse only)', 'bench/bare-fastify.mjs', {}, {})
const auth = { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` }
await scenario('sillage collector, local bus', 'bench/collector-local-server.mjs', { WRITE_KEY }, auth)
// Diagnostic, not the figure: the same collector with its log in memory (tmpfs), where a durable
// write costs nothing. The gap to the line above is what the disk's syncs cost.
if (existsSync('/dev/shm')) {
  await scenario(
    'diagnostic: the same, log on tmpfs (no disk)',
    'bench/collector-local-server.mjs',
    { WRITE_KEY, TMPDIR: '/dev/shm' },
    auth,
  )
}
// Diagnostic: V8's default GC (helper threads) on the one core.
await scenario(
  'diagnostic: the same on disk, default V8 GC',
  'bench/collector-local-server.mjs',
  { WRITE_KEY },
  auth,
  [],
)
