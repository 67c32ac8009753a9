// Profiles, embedded mode (`sillage start`: collector, identity, chDB, profile refresher in one
// process): LOOKUPS lookups/s by user_id while INGEST events/s are ingested (50-event batches),
// lookup latency p50/p99/max against a bare Fastify GET route in the same run (on an idle machine,
// then under the same ingest, so that the machine's own share of the tail is known), and the freshness
// of the stream attributes (a probe's Product Added accepted -> visible in its profile's cart).
//
//   pnpm bench:profiles            (after pnpm build)
//   SECONDS=30 LOOKUPS=500 INGEST=10000 pnpm bench:profiles
//   PROFILES_THREAD=0: profiles on the main thread (SILLAGE_PROFILES_THREAD=false), lookups on the
//   collector's port (the default, as in `sillage start`, runs them in their own thread, and looks
//   up on its port, SILLAGE_PROFILES_PORT).
//   LOOKUP_VIA=main: with the thread, lookups on the collector's port (relayed to the thread).
//   KEEP_DATA_DIR=1: the data dir is kept (and printed) to replay refresh runs over it.
//   CPU_PROF_DIR=<dir>: the server runs with --cpu-prof (one profile per thread, see
//   bench/cpu-profile-summary.mjs).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'
import { freePort, machine, startProcess } from './lib.mjs'

const SECONDS = Number(process.env.SECONDS ?? 30)
const LOOKUPS = Number(process.env.LOOKUPS ?? 500)
const INGEST = Number(process.env.INGEST ?? 10_000)
const USERS = Number(process.env.USERS ?? 5_000)
const BATCH = 50
const THREAD = process.env.PROFILES_THREAD !== '0'
const VIA_MAIN = process.env.LOOKUP_VIA === 'main'
const WRITE_KEY = 'wk_bench_0123456789'
const READ_KEY = 'rk_bench_0123456789abcdef'
const auth = { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` }
const read = { authorization: `Bearer ${READ_KEY}` }

const pct = (xs, p) => {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]
}
const fmt = (xs) =>
  `p50 ${pct(xs, 50).toFixed(1)} ms  p99 ${pct(xs, 99).toFixed(1)} ms  max ${Math.max(...xs).toFixed(1)} ms  (${xs.length})`
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const events = (seq) =>
  Array.from({ length: BATCH }, (_, i) => {
    const n = seq * BATCH + i
    const user = `bench-user-${n % USERS}`
    const kind = n % 10
    return {
      type: kind === 0 ? 'page' : 'track',
      ...(kind === 0 ? { name: 'Product' } : { event: kind < 7 ? 'Product Viewed' : 'Product Added' }),
      messageId: `bench-${seq}-${i}-${process.pid}`,
      userId: user,
      anonymousId: `anon-${user}`,
      timestamp: new Date().toISOString(),
      properties: { product_id: `p-${n % 97}`, price: 10 + (n % 50), quantity: 1, sku: `S-${n % 97}` },
    }
  })

/** Paced load in a worker thread of its own (bench/profiles-client.mjs). */
const inWorker = (data) =>
  new Promise((resolve, reject) => {
    const w = new Worker(new URL('./profiles-client.mjs', import.meta.url), { workerData: data })
    w.once('message', resolve)
    w.once('error', reject)
  })
const lookups = (base, perSecond, seconds) =>
  inWorker({ kind: 'lookup', base, perSecond, seconds, headers: read, users: USERS })

/** Sample values of the server's metrics: `name{labels} value` lines, labels as written. */
const metric = (text, name, labels = '') => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `))
  return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1))
}

console.log(`machine: ${machine()}, ${new Date().toISOString()}, load average ${loadavg()[0].toFixed(1)}`)
console.log(
  `load: ${LOOKUPS} lookups/s while ingesting ${INGEST} events/s (${BATCH}-event batches), ${SECONDS} s; ` +
    `lookups and ingest each from a worker thread of its own, latency from when a request was due`,
)
console.log(
  `server: profiles ${THREAD ? 'in a thread of their own (SILLAGE_PROFILES_PORT)' : 'on the main thread (SILLAGE_PROFILES_THREAD=false)'}, ` +
    (THREAD && VIA_MAIN ? "lookups on the collector's port (relayed), " : '') +
    `identity ${process.env.SILLAGE_IDENTITY_WORKER === 'true' ? 'in a worker thread' : 'on the main thread'}\n`,
)

// Baseline: the same paced lookups, from the same kind of worker, against a bare Fastify route.
{
  const port = await freePort()
  const bare = await startProcess(['bench/bare-fastify-get.mjs'], {
    env: { PORT: String(port) },
    readyUrl: `http://127.0.0.1:${port}/healthz`,
  })
  const r = await lookups(`http://127.0.0.1:${port}`, LOOKUPS, Math.min(SECONDS, 10))
  await bare.stop()
  console.log(`bare Fastify GET:   ${fmt(r.latencies)}  (idle machine)`)
}

const post = (url, path, body) =>
  fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body })

const dataDir = mkdtempSync(join(tmpdir(), 'sillage-bench-profiles-'))
try {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const profilesPort = THREAD ? await freePort() : port
  const lookupUrl = `http://127.0.0.1:${VIA_MAIN ? port : profilesPort}`
  const ingestLoad = (seconds, firstSeq) => ({
    kind: 'ingest',
    base: url,
    perSecond: INGEST / BATCH,
    seconds,
    headers: auth,
    users: USERS,
    batch: BATCH,
    firstSeq,
  })
  const sillage = await startProcess(['apps/sillage/dist/main.js', 'start'], {
    env: {
      SILLAGE_DATA_DIR: dataDir,
      SILLAGE_PORT: String(port),
      SILLAGE_ADMIN_TOKEN: 'admin_bench_0123456789abcdef',
      // LOG_LEVEL=debug prints each refresh run's steps (ms) at the end.
      SILLAGE_LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      SILLAGE_SOURCES: JSON.stringify([{ id: 'bench', writeKey: WRITE_KEY, type: 'server' }]),
      SILLAGE_PROFILE_READ_KEYS: JSON.stringify([{ id: 'bench', key: READ_KEY, sources: ['*'] }]),
      ...(THREAD ? { SILLAGE_PROFILES_PORT: String(profilesPort) } : { SILLAGE_PROFILES_THREAD: 'false' }),
    },
    readyUrl: `${url}/healthz`,
    ...(process.env.CPU_PROF_DIR && {
      prefix: ['--cpu-prof', '--cpu-prof-dir', process.env.CPU_PROF_DIR],
    }),
  })
  // Warm-up: every user has events, then every looked-up user answers 200 (is in the store).
  const warm0 = performance.now()
  for (let seq = 0; seq < Math.ceil(USERS / BATCH); seq++)
    await post(url, '/v1/batch', JSON.stringify({ batch: events(seq) }))
  for (let u = 0; u < USERS; u++) {
    for (;;) {
      const res = await fetch(`${lookupUrl}/v1/profiles/user_id/bench-user-${u}`, { headers: read })
      await res.arrayBuffer()
      if (res.ok) break
      if (performance.now() - warm0 > 300_000) throw new Error(`bench-user-${u} not in the store after 300 s`)
      await sleep(200)
    }
  }
  console.log(
    `warm-up:            ${USERS} users sent and all in the store after ${((performance.now() - warm0) / 1000).toFixed(1)} s`,
  )
  // Baseline under the same load: the bare route looked up while sillage ingests, so that the
  // machine's own share of the tail (two cores, the load generators on them too) is known.
  {
    const port = await freePort()
    const bare = await startProcess(['bench/bare-fastify-get.mjs'], {
      env: { PORT: String(port) },
      readyUrl: `http://127.0.0.1:${port}/healthz`,
    })
    const seconds = Math.min(SECONDS, 10)
    const loaded = inWorker(ingestLoad(seconds, 2_000_000))
    const r = await lookups(`http://127.0.0.1:${port}`, LOOKUPS, seconds)
    await loaded
    await bare.stop()
    console.log(
      `bare, same ingest: ${fmt(r.latencies)}  (the same lookups, ${seconds} s, while sillage ingests)`,
    )
  }
  const before = await (await fetch(`${url}/metrics`)).text()
  const ingest = inWorker(ingestLoad(SECONDS, 1_000_000))
  // Freshness is measured under the ingest: a probe sent once it is over (a slow machine) is
  // counted apart, as a quiet pipeline's.
  let ingesting = true
  const ingestOver = () => (ingesting = false)
  ingest.then(ingestOver, ingestOver)
  const afterIngest = []
  // Every second: the refresher's lag (now minus the watermark of its last completed run), its
  // runs and their time, the server's event-loop delay (max over the second) and CPU time.
  const samples = []
  let running = true
  const sampler = (async () => {
    while (running) {
      await sleep(1000)
      const text = await (await fetch(`${url}/metrics`)).text()
      samples.push({
        lag: metric(text, 'sillage_profiles_refresh_lag_seconds'),
        runs: metric(text, 'sillage_profiles_job_duration_seconds_count', 'job="refresh"'),
        runSeconds: metric(text, 'sillage_profiles_job_duration_seconds_sum', 'job="refresh"'),
        loopMax: metric(text, 'sillage_nodejs_eventloop_lag_max_seconds'),
        threadLoopMax: metric(text, 'sillage_profiles_thread_eventloop_lag_seconds', 'stat="max"'),
        threadGcMax: metric(text, 'sillage_profiles_thread_gc_pause_max_seconds'),
        cpu: metric(text, 'sillage_process_cpu_seconds_total'),
      })
    }
  })()
  // Freshness probes: one a second, each a Product Added of a new product for the probe user, sent
  // whatever became of the earlier ones; one poller looks the profile up every 50 ms and times each
  // probe from its acceptance to its product in the cart (60 s at most).
  const freshness = []
  const pending = new Map()
  let sending = true
  const sender = (async () => {
    for (let k = 0; k < SECONDS - 5; k++) {
      const product = `probe-${k}`
      const body = JSON.stringify({
        userId: 'bench-probe',
        event: 'Product Added',
        messageId: `probe-${k}-${process.pid}`,
        properties: { product_id: product, price: 1, quantity: 1 },
      })
      const sent = performance.now()
      const res = await post(url, '/v1/track', body)
      if (res.ok) pending.set(product, { t0: performance.now(), during: ingesting })
      await sleep(Math.max(0, 1000 - (performance.now() - sent)))
    }
  })().finally(() => (sending = false))
  const poller = (async () => {
    while (sending || pending.size > 0) {
      if (pending.size > 0) {
        const p = await fetch(`${lookupUrl}/v1/profiles/user_id/bench-probe`, { headers: read })
        const now = performance.now()
        const cart = new Set(p.ok ? (await p.json()).stream.cart.items.map((x) => x.product_id) : [])
        for (const [product, { t0, during }] of pending) {
          if (!cart.has(product) && now - t0 < 60_000) continue
          ;(during ? freshness : afterIngest).push(now - t0)
          pending.delete(product)
        }
      }
      await sleep(50)
    }
  })()
  const probes = Promise.all([sender, poller])
  const r = await lookups(lookupUrl, LOOKUPS, SECONDS)
  const ing = await ingest
  await probes
  running = false
  await sampler
  // Server-side: time inside the route (request to answer), from the histogram, during the run only
  // (the warm-up's and the probes' lookups are in it too: the probes' are ~20 a second).
  const after = await (await fetch(`${url}/metrics`)).text()
  await sillage.stop()
  const delta = (name, labels) => metric(after, name, labels) - (metric(before, name, labels) || 0)
  const h = 'sillage_profiles_lookup_duration_seconds'
  const bucket = (le) => delta(`${h}_bucket`, `le="${le}",route="profile"`)
  const outcomes = ['found', 'not_found'].map(
    (o) => `${o} ${delta('sillage_profiles_lookups_total', `outcome="${o}"`)}`,
  )
  const accepted = ing.statuses[200] ?? 0
  console.log(
    `sillage lookups:    ${fmt(r.latencies)}  transport errors ${r.errors}, statuses ${JSON.stringify(r.statuses)}`,
  )
  console.log(
    `in the route:       ${bucket('0.005')} ≤ 5 ms, ${bucket('0.02')} ≤ 20 ms, ${bucket('0.25')} ≤ 250 ms, ` +
      `${bucket('+Inf')} in all (${outcomes.join(', ')}; the probes' lookups included)`,
  )
  console.log(
    `ingest:             ${Math.round((accepted * BATCH) / SECONDS)} events/s accepted, statuses ${JSON.stringify(ing.statuses)}, ` +
      `batch ${fmt(ing.latencies)}`,
  )
  const maxMs = (t, key) => (Math.max(...samples.slice(t, t + 10).map((x) => x[key])) * 1000).toFixed(0)
  // Per 10 s of the ingest: refresher runs and their mean time, the lag, event-loop delay, CPU.
  for (let t = 0; t + 10 <= Math.min(samples.length, SECONDS); t += 10) {
    const a = samples[t]
    const b = samples[t + 9]
    const runs = b.runs - a.runs
    console.log(
      `  ${String(t + 1).padStart(3)}–${t + 10} s: refresher ${runs} runs, ${((b.runSeconds - a.runSeconds) / Math.max(runs, 1)).toFixed(2)} s a run, ` +
        `lag up to ${Math.max(...samples.slice(t, t + 10).map((x) => x.lag)).toFixed(1)} s; ` +
        `server event-loop delay up to ${(Math.max(...samples.slice(t, t + 10).map((x) => x.loopMax)) * 1000).toFixed(0)} ms` +
        (THREAD
          ? ` (profiles thread ${maxMs(t, 'threadLoopMax')} ms, its GC pauses up to ${maxMs(t, 'threadGcMax')} ms), `
          : ', ') +
        `CPU ${((b.cpu - a.cpu) / 9).toFixed(2)} cores`,
    )
  }
  for (const line of sillage.output().split('\n')) {
    if (!line.includes('profiles refresh run')) continue
    const r = JSON.parse(line)
    console.log(
      `  refresh run: ${r.persons} persons${r.capped ? ' (capped)' : ''}, ms ${JSON.stringify(r.ms)}`,
    )
  }
  console.log(`load average at the end: ${loadavg()[0].toFixed(1)} (1 min)`)
  console.log(
    `freshness:          p95 ${pct(freshness, 95).toFixed(1)} ms  ${fmt(freshness)}  (Product Added accepted -> in the profile's cart, sent during the ingest)`,
  )
  console.log(
    `  after the ingest:  ${afterIngest.length === 0 ? 'none' : `p95 ${pct(afterIngest, 95).toFixed(1)} ms  ${fmt(afterIngest)}`}  (the probes sent once it was over)`,
  )
} finally {
  if (process.env.KEEP_DATA_DIR) console.log(`data dir kept: ${dataDir}`)
  else rmSync(dataDir, { recursive: true, force: true })
}
