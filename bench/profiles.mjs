// Profiles, embedded mode (`sillage start`: collector, identity, chDB, profile refresher in one
// process): LOOKUPS lookups/s by user_id while INGEST events/s are ingested (50-event batches),
// lookup latency p50/p99/max against a bare Fastify GET route in the same run, and the freshness
// of the stream attributes (a probe's Product Added accepted -> visible in its profile's cart).
//
//   pnpm bench:profiles            (after pnpm build)
//   SECONDS=30 LOOKUPS=500 INGEST=10000 pnpm bench:profiles
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { freePort, machine, startProcess } from './lib.mjs'

const SECONDS = Number(process.env.SECONDS ?? 30)
const LOOKUPS = Number(process.env.LOOKUPS ?? 500)
const INGEST = Number(process.env.INGEST ?? 10_000)
const USERS = Number(process.env.USERS ?? 5_000)
const BATCH = 50
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

/** Calls `fn` `perSecond` times a second for `seconds`, open loop (a slow answer does not slow the rate). */
async function paced(perSecond, seconds, fn) {
  const start = performance.now()
  const total = Math.round(perSecond * seconds)
  const pending = []
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / perSecond
    const wait = due - performance.now()
    if (wait > 1) await sleep(wait)
    pending.push(fn(i).catch(() => undefined))
  }
  await Promise.all(pending)
}

async function lookups(base, perSecond, seconds, userOf) {
  const latencies = []
  const statuses = {}
  let errors = 0
  await paced(perSecond, seconds, async (i) => {
    const t0 = performance.now()
    const res = await fetch(`${base}/v1/profiles/user_id/${userOf(i)}`, { headers: read })
    await res.arrayBuffer()
    statuses[res.status] = (statuses[res.status] ?? 0) + 1
    if (res.status !== 200 && res.status !== 404) errors++
    latencies.push(performance.now() - t0)
  })
  return { latencies, errors, statuses }
}

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

console.log(`machine: ${machine()}, ${new Date().toISOString()}`)
console.log(
  `load: ${LOOKUPS} lookups/s while ingesting ${INGEST} events/s (${BATCH}-event batches), ${SECONDS} s\n`,
)

// Baseline: the same paced lookups against a bare Fastify route.
{
  const port = await freePort()
  const bare = await startProcess(['bench/bare-fastify-get.mjs'], {
    env: { PORT: String(port) },
    readyUrl: `http://127.0.0.1:${port}/healthz`,
  })
  const r = await lookups(`http://127.0.0.1:${port}`, LOOKUPS, Math.min(SECONDS, 10), (i) => `u-${i}`)
  await bare.stop()
  console.log(`bare Fastify GET:   ${fmt(r.latencies)}`)
}

const dataDir = mkdtempSync(join(tmpdir(), 'sillage-bench-profiles-'))
try {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const sillage = await startProcess(['apps/sillage/dist/main.js', 'start'], {
    env: {
      SILLAGE_DATA_DIR: dataDir,
      SILLAGE_PORT: String(port),
      SILLAGE_ADMIN_TOKEN: 'admin_bench_0123456789abcdef',
      SILLAGE_LOG_LEVEL: 'warn',
      SILLAGE_SOURCES: JSON.stringify([{ id: 'bench', writeKey: WRITE_KEY, type: 'server' }]),
      SILLAGE_PROFILE_READ_KEYS: JSON.stringify([{ id: 'bench', key: READ_KEY, sources: ['*'] }]),
    },
    readyUrl: `${url}/healthz`,
  })
  // Warm-up: every user exists before lookups start.
  for (let seq = 0; seq < Math.ceil(USERS / BATCH); seq++) {
    await fetch(`${url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ batch: events(seq) }),
    })
  }
  let accepted = 0
  let refused = 0
  const ingest = paced(INGEST / BATCH, SECONDS, async (i) => {
    const res = await fetch(`${url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ batch: events(1_000_000 + i) }),
    })
    await res.arrayBuffer()
    if (res.ok) accepted += BATCH
    else refused += BATCH
  })
  // Freshness probes: one a second, each a Product Added of a new product for the probe user.
  const freshness = []
  const probes = (async () => {
    for (let k = 0; k < SECONDS - 5; k++) {
      const product = `probe-${k}`
      const res = await fetch(`${url}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({
          userId: 'bench-probe',
          event: 'Product Added',
          messageId: `probe-${k}-${process.pid}`,
          properties: { product_id: product, price: 1, quantity: 1 },
        }),
      })
      const t0 = performance.now()
      if (!res.ok) continue
      for (;;) {
        const p = await fetch(`${url}/v1/profiles/user_id/bench-probe`, { headers: read })
        if (p.ok && (await p.json()).stream.cart.items.some((x) => x.product_id === product)) break
        if (performance.now() - t0 > 60_000) break
        await sleep(50)
      }
      freshness.push(performance.now() - t0)
      await sleep(Math.max(0, 1000 - (performance.now() - t0)))
    }
  })()
  const r = await lookups(url, LOOKUPS, SECONDS, (i) => `bench-user-${(i * 7919) % USERS}`)
  await Promise.all([ingest, probes])
  // Server-side: time inside the route (request to answer), from the histogram.
  const metrics = await (await fetch(`${url}/metrics`)).text()
  const bucket = (le) =>
    Number(
      metrics.match(
        new RegExp(`sillage_profiles_lookup_duration_seconds_bucket\\{le="${le}",route="profile"\\} (\\d+)`),
      )?.[1] ?? NaN,
    )
  const inRoute = `${bucket('0.005')} ≤ 5 ms, ${bucket('0.02')} ≤ 20 ms, ${bucket('+Inf')} in all`
  await sillage.stop()
  console.log(
    `sillage lookups:    ${fmt(r.latencies)}  errors ${r.errors}, statuses ${JSON.stringify(r.statuses)}`,
  )
  console.log(`in the route:       ${inRoute}`)
  console.log(`ingest:             ${Math.round(accepted / SECONDS)} events/s accepted, ${refused} refused`)
  console.log(`freshness:          ${fmt(freshness)}  (Product Added accepted -> in the profile's cart)`)
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}
