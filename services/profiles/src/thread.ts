/**
 * The profiles thread of `sillage start` (profiles-worker.ts starts it; SILLAGE_PROFILES_THREAD): the refresher, the scorer, the in-process copy and the lookup routes, on a port of their
 * own, so that no ingest batch of the main thread stands in front of a lookup. It reads the owner
 * thread's bus (createPortBus) and has a chDB session of its own on the same data path, which it
 * never closes (closing a session in either thread closes the engine for both; the owner closes
 * it last, then lets this thread exit). The owner's port answers its profile routes through
 * `request` messages (Fastify's inject here).
 */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify'
import { createPortBus } from '@sillage/bus'
import type { SuppressionList } from '@sillage/identifiers'
import { followSuppressions } from '@sillage/identifiers/follow'
import { createLogger, createMetricsRegistry, Gauge } from '@sillage/runtime'
import { createWarehouse, type WarehouseOptions } from '@sillage/warehouse'
import type { ProfilesOptions } from './config.js'
import { profilesServerOptions } from './server-options.js'
import { registerProfileRefusals } from './routes/refusals.js'
import { createProfilesStack, type ProfilesStack, type ProfilesStackDeps } from './stack.js'

export interface ProfilesThreadData {
  busPort: MessagePort
  warehouse: WarehouseOptions
  logLevel: string
  options: ProfilesOptions
  /** `orAnyPort`: the port is only a default (8090): taken meanwhile, any free one will do. */
  http: { port: number; host: string; orAnyPort?: boolean }
  suppressionGroupPrefix: string
  writeKeys: readonly string[]
  adminToken?: string | undefined
  browserSources: NonNullable<ProfilesStackDeps['browserSources']>
}

/** An answer of the thread's routes, for the owner's port. */
export interface ThreadAnswer {
  status: number
  headers: Record<string, string>
  body: string
}

export type ThreadToOwner =
  | { op: 'started'; port: number }
  | { op: 'failed'; message: string }
  | { op: 'stopped' }
  | { op: 'idle'; id: number }
  | { op: 'metrics'; id: number; metrics: unknown }
  | ({ op: 'answer'; id: number } & ThreadAnswer)

export type OwnerToThread =
  | { op: 'stop' }
  | { op: 'exit' }
  | { op: 'metrics'; id: number }
  | { op: 'idle'; id: number }
  | { op: 'request'; id: number; url: string; headers: Record<string, string>; remoteAddress: string }
  | { op: 'suppression'; key: string; suppressed: boolean }
  | { op: 'stored' }

const port = parentPort
if (!port) throw new Error('profiles thread: not in a worker thread')
const data = workerData as ProfilesThreadData
const log = createLogger({ level: data.logLevel }).child({ thread: 'profiles' })
const registry = createMetricsRegistry({ defaultMetrics: false })
const warehouse = createWarehouse(data.warehouse)
const bus = createPortBus(data.busPort)
const post = (m: ThreadToOwner) => port.postMessage(m)
// The thread's own event-loop delay (the owner's default metrics measure the main thread's).
const loop = monitorEventLoopDelay({ resolution: 10 })
loop.enable()
new Gauge({
  name: 'sillage_profiles_thread_eventloop_lag_seconds',
  help: "The profiles thread's event-loop delay since the previous scrape (stat: max, p99)",
  labelNames: ['stat'],
  registers: [registry],
  collect() {
    this.set({ stat: 'max' }, loop.max / 1e9)
    this.set({ stat: 'p99' }, loop.percentile(99) / 1e9)
    loop.reset()
  },
})
// Its garbage collector's longest pause since the previous scrape (a stall's usual cause).
let gcMax = 0
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMax = Math.max(gcMax, entry.duration)
}).observe({ entryTypes: ['gc'] })
new Gauge({
  name: 'sillage_profiles_thread_gc_pause_max_seconds',
  help: "The profiles thread's longest garbage-collection pause since the previous scrape",
  registers: [registry],
  collect() {
    this.set(gcMax / 1000)
    gcMax = 0
  },
})
const app = Fastify({
  loggerInstance: log.child({ component: 'http' }) as FastifyBaseLogger,
  logController: new LogController({ disableRequestLogging: true }),
  return503OnClosing: true,
  ...profilesServerOptions,
})
registerProfileRefusals(app)
/** Headers that belong to one connection, not to the answer the owner relays. */
const HOP = new Set(['content-length', 'connection', 'keep-alive', 'date', 'transfer-encoding'])

let stack: ProfilesStack | undefined
let stopFeed = async (): Promise<void> => {}
let stopping: Promise<void> | undefined
const early: OwnerToThread[] = []
let suppressed: SuppressionList | undefined

async function handle(m: OwnerToThread): Promise<void> {
  if (m.op === 'metrics') {
    const metrics = await registry.getMetricsAsJSON().catch(() => [])
    post({ op: 'metrics', id: m.id, metrics })
  } else if (m.op === 'request') {
    const res = await app.inject({
      method: 'GET',
      url: m.url,
      headers: m.headers,
      remoteAddress: m.remoteAddress,
    })
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined && !HOP.has(name)) headers[name] = String(value)
    }
    post({ op: 'answer', id: m.id, status: res.statusCode, headers, body: res.payload })
  } else if (m.op === 'idle') {
    await stack?.idle()
    post({ op: 'idle', id: m.id })
  } else if (m.op === 'stored') {
    stack?.stored()
  } else if (m.op === 'suppression') {
    if (m.suppressed) suppressed?.add(m.key)
    else suppressed?.delete(m.key)
  } else if (m.op === 'stop') {
    stopping ??= (async () => {
      await app.close()
      await stack?.stop()
      await stopFeed()
    })().catch((err: unknown) => log.error({ err }, 'profiles thread: stop failed'))
    await stopping
    post({ op: 'stopped' })
  } else {
    // The owner closed chDB already: leave without closing this thread's session (see above).
    process.exit(0)
  }
}
const onMessage = (m: OwnerToThread) => {
  if (!stack && (m.op === 'suppression' || m.op === 'request')) early.push(m)
  else void handle(m).catch((err: unknown) => log.error({ err, op: m.op }, 'profiles thread: message failed'))
}
port.on('message', onMessage)

async function start(): Promise<number> {
  // Erased identifiers: read whole before serving, then followed; the owner's erasures also
  // arrive as `suppression` messages, at once.
  const feed = await followSuppressions(bus, {
    groupPrefix: data.suppressionGroupPrefix,
    ...(data.options.phoneCountryCode !== undefined && { phoneCountryCode: data.options.phoneCountryCode }),
  })
  stopFeed = feed.stop
  suppressed = feed.list
  stack = createProfilesStack({
    warehouse,
    log,
    registry,
    options: data.options,
    suppressions: feed.list,
    writeKeys: data.writeKeys,
    adminToken: data.adminToken,
    browserSources: data.browserSources,
  })
  stack.register(app)
  const { port: wanted, host, orAnyPort } = data.http
  await app.listen({ port: wanted, host }).catch(async (err: unknown) => {
    // Free when `sillage start` looked, taken since (another start on this machine): any port.
    if (!orAnyPort || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err
    log.warn(
      { port: wanted },
      'profiles thread: the default port was taken meanwhile; listening on a free one',
    )
    await app.listen({ port: 0, host })
  })
  stack.start()
  for (const m of early.splice(0)) onMessage(m)
  const address = app.server.address()
  return typeof address === 'object' && address ? address.port : data.http.port
}

start().then(
  (listening) => post({ op: 'started', port: listening }),
  (err: unknown) => post({ op: 'failed', message: err instanceof Error ? err.message : String(err) }),
)
