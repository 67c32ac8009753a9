// Shared helpers of the benchmarks: child processes, ports, load with autocannon, batch bodies.
import { spawn } from 'node:child_process'
import http from 'node:http'
import { performance } from 'node:perf_hooks'
import { setImmediate } from 'node:timers'
import { createServer } from 'node:net'
import os from 'node:os'
import autocannon from 'autocannon'

export const repoRoot = new URL('..', import.meta.url).pathname

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

export async function waitFor(check, { timeoutMs = 60_000, intervalMs = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const v = await check()
      if (v) return v
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

/** Starts a node script as a child process and waits for `readyUrl` to answer. */
/** Starts `command` (node by default) with `prefix` + `args`, e.g. taskset -c 0 node script. */
export async function startProcess(args, { env = {}, readyUrl, command = process.execPath, prefix = [] }) {
  const proc = spawn(command, [...prefix, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  proc.stdout.on('data', (d) => (out += d))
  proc.stderr.on('data', (d) => (out += d))
  const exited = new Promise((r) => proc.once('exit', r))
  await waitFor(
    async () => {
      if (proc.exitCode !== null) throw new Error(out)
      return (await fetch(readyUrl)).ok
    },
    { what: readyUrl },
  )
  return {
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM')
      await exited
    },
  }
}

const EVENT_CONTEXT = JSON.stringify({
  page: {
    url: 'https://shop.example/p/blue-mug',
    path: '/p/blue-mug',
    title: 'Blue mug',
    referrer: 'https://www.google.com/',
  },
  library: { name: 'analytics-node', version: '2.1.0' },
  userAgent:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  locale: 'fr-FR',
})

/**
 * A 50-event Segment batch; `seq` makes every messageId unique, so nothing is deduplicated away.
 * Events look like a shop's (page and product views with context), ~560 bytes each. Written as
 * text, not JSON.stringify'd objects: the load generator must cost little next to the server
 * (≈ 15 µs a body instead of 140).
 */
export function batchBody(seq, size = 50) {
  const now = new Date().toISOString()
  const events = new Array(size)
  for (let i = 0; i < size; i++) {
    events[i] =
      `{"type":"track","event":"Product Viewed","messageId":"b${seq}-${i}",` +
      `"anonymousId":"anon-${(seq * size + i) % 5000}","timestamp":"${now}",` +
      `"properties":{"product_id":"sku-${i % 97}","name":"Blue mug","price":12.5,"currency":"EUR","category":"Kitchen"},` +
      `"context":${EVENT_CONTEXT}}`
  }
  return `{"batch":[${events.join(',')}],"sentAt":"${now}"}`
}

/** Runs autocannon against `url` for `seconds` with unique batch bodies. */
export async function load(url, { seconds, connections, headers = {}, uniqueBodies = true, rate }) {
  let seq = 0
  const fixed = batchBody(0)
  const result = await autocannon({
    url,
    method: 'POST',
    connections,
    duration: seconds,
    ...(rate ? { overallRate: rate } : {}),
    headers: { 'content-type': 'application/json', ...headers },
    requests: [
      {
        setupRequest: (req) => ({ ...req, body: uniqueBodies ? batchBody(seq++) : fixed }),
      },
    ],
  })
  return {
    requests: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    sent: seq,
  }
}

/**
 * Open-loop load at a steady `rate` (requests/s) for `seconds`, for latencies at a given load.
 * Requests are due at evenly spaced times and each latency runs from when its request was due,
 * so a slow server cannot slow the load down and hide its own queueing (coordinated omission);
 * requests wait for a free connection among `connections` keep-alive sockets, and that wait counts.
 * autocannon's `overallRate` is not this: each connection sends its per-second quota as fast as it
 * can and then idles, so "half load" is full load for half of every second.
 * The bodies are built before the clock starts and reused in turn (`poolSize` distinct batches),
 * so that the generator's own garbage collection does not show up as server latency; message ids
 * repeat across turns, which the collector does not mind (identity deduplicates, not it).
 */
export async function pacedLoad(
  url,
  { rate, seconds, connections, headers = {}, firstSeq = 1e7, poolSize = 256 },
) {
  const bodies = Array.from({ length: poolSize }, (_, i) => Buffer.from(batchBody(firstSeq + i)))
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections })
  const total = Math.round(rate * seconds)
  const latencies = []
  let ok = 0
  let non2xx = 0
  let errors = 0
  const send = (body, due) =>
    new Promise((resolve) => {
      const req = http.request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } },
        (res) => {
          res.resume()
          res.on('end', () => {
            latencies.push(performance.now() - due)
            if (res.statusCode >= 200 && res.statusCode < 300) ok++
            else non2xx++
            resolve()
          })
        },
      )
      req.on('error', () => {
        errors++
        resolve()
      })
      req.end(body)
    })
  const inflight = []
  const start = performance.now() + 10
  // Each turn of the event loop sends what is due, then yields to I/O (responses, writes).
  for (let i = 0; i < total;) {
    const now = performance.now()
    for (let due = start + (i * 1000) / rate; i < total && due <= now; due = start + (++i * 1000) / rate) {
      inflight.push(send(bodies[i % poolSize], due))
    }
    await new Promise((r) => setImmediate(r))
  }
  await Promise.all(inflight)
  agent.destroy()
  latencies.sort((a, b) => a - b)
  const at = (q) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN)
  return {
    requests: total,
    ok,
    non2xx,
    errors,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: Math.round(latencies.at(-1) ?? NaN),
  }
}

export function machine() {
  const cpus = os.cpus()
  return `${cpus.length} × ${cpus[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`
}
