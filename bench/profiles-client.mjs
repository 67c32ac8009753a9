// The load of `bench/profiles.mjs`, in a worker thread of its own (its own event loop), so that
// neither the lookups nor the ingest queue behind the other or behind the main thread's probes.
// Open loop: requests are due at evenly spaced times and each latency runs from when its request
// was due (a slow answer neither slows the rate nor hides its queueing); keep-alive sockets.
import http from 'node:http'
import { performance } from 'node:perf_hooks'
import { setImmediate } from 'node:timers'
import { parentPort, workerData } from 'node:worker_threads'

const { kind, base, perSecond, seconds, headers, users, batch, firstSeq } = workerData
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
const latencies = []
const statuses = {}
let errors = 0

/** A `batch`-event body of shop events for users bench-user-0…users-1, built as text. */
const body = (seq) => {
  const now = new Date().toISOString()
  const events = []
  for (let i = 0; i < batch; i++) {
    const n = seq * batch + i
    const user = `bench-user-${n % users}`
    const k = n % 10
    const head =
      k === 0
        ? '"type":"page","name":"Product"'
        : `"type":"track","event":"${k < 7 ? 'Product Viewed' : 'Product Added'}"`
    events.push(
      `{${head},"messageId":"bench-${seq}-${i}","userId":"${user}","anonymousId":"anon-${user}","timestamp":"${now}",` +
        `"properties":{"product_id":"p-${n % 97}","price":${10 + (n % 50)},"quantity":1,"sku":"S-${n % 97}"}}`,
    )
  }
  return `{"batch":[${events.join(',')}]}`
}

const send = (i, due) =>
  new Promise((resolve) => {
    const ingest = kind === 'ingest'
    const path = ingest ? '/v1/batch' : `/v1/profiles/user_id/bench-user-${(i * 7919) % users}`
    const req = http.request(
      `${base}${path}`,
      {
        method: ingest ? 'POST' : 'GET',
        agent,
        headers: ingest ? { ...headers, 'content-type': 'application/json' } : headers,
      },
      (res) => {
        res.resume()
        res.on('end', () => {
          latencies.push(performance.now() - due)
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1
          resolve()
        })
      },
    )
    req.on('error', () => {
      errors++
      resolve()
    })
    req.end(ingest ? body(firstSeq + i) : undefined)
  })

const total = Math.round(perSecond * seconds)
const inflight = []
const start = performance.now() + 10
for (let i = 0; i < total;) {
  const now = performance.now()
  for (
    let due = start + (i * 1000) / perSecond;
    i < total && due <= now;
    due = start + (++i * 1000) / perSecond
  )
    inflight.push(send(i, due))
  // Sleep until the next request is due (a spinning loop would take a core from the server).
  const wait = start + (i * 1000) / perSecond - performance.now()
  await new Promise((r) => (wait > 1 ? setTimeout(r, wait - 0.5) : setImmediate(r)))
}
await Promise.all(inflight)
agent.destroy()
parentPort.postMessage({ latencies, statuses, errors, elapsedMs: performance.now() - start })
