import { MessageChannel } from 'node:worker_threads'
import type { FastifyInstance } from 'fastify'
import { serveBusOverPort, type Bus } from '@sillage/bus'
import type { SuppressionList } from '@sillage/identifiers'
import {
  compiledEntry,
  startCompiledWorker,
  createWorkerMetrics,
  type Logger,
  type Registry,
} from '@sillage/runtime'
import type { WarehouseOptions } from '@sillage/warehouse'
import { errorBody, PROFILE_ERRORS } from './errors.js'
import { relayUrl } from './relay-url.js'
import { OWN_CORS } from './routes/own-cors.js'
import type { OwnerToThread, ProfilesThreadData, ThreadAnswer, ThreadToOwner } from './thread.js'

export interface ProfilesWorkerDeps extends Omit<ProfilesThreadData, 'busPort' | 'warehouse'> {
  /** The owner's bus: its files, fsyncs and committed offsets stay in this thread. */
  bus: Bus
  warehouse: WarehouseOptions
  log: Logger
  /** The owner's registry: the thread's metrics are served through it (one /metrics). */
  registry: Registry
  /** The thread died (an error, not a stop): the owner must stop, chDB being shared. */
  onCrash: (err: Error) => void
}

export interface ProfilesWorker {
  /** Resolves with the port the thread's lookup routes listen on, once they do. */
  start(): Promise<number>
  /** The profile routes on the owner's app too, answered by the thread (the collector's port). */
  register(app: FastifyInstance): void
  /** The list, whose adds and deletes (an erasure) also reach the thread's list at once. */
  forwarding(list: SuppressionList): SuppressionList
  /** Resolves once the thread's refresh and scoring runs in flight have ended (an erasure waits). */
  idle(): Promise<void>
  /** Events were stored: the thread's next refresh starts shortly (ProfilesStack.stored). */
  stored(): void
  /** Stops the routes and the jobs (runs in flight finish); chDB stays open. */
  stop(): Promise<void>
  /** After the owner closed the bus and chDB: ends the thread. */
  exit(): Promise<void>
}

/** The owner's profile routes (routes/*.route.ts), relayed to the thread. */
const ROUTES = [
  '/v1/profiles/:type/:value',
  '/v1/profiles/:type',
  '/v1/recommendations',
  '/v1/me/recommendations',
]
/** A relayed lookup the thread has not answered by then gets 503 SIL_PROFILE_UNAVAILABLE. */
const ANSWER_TIMEOUT_MS = 10_000

/**
 * The profiles stack in a worker_thread (`sillage start`, SILLAGE_PROFILES_THREAD): lookups are
 * served from an event loop that ingest never blocks, on a port of their own; the refresher's
 * parsing leaves the main thread too. See docs/architecture.md (embedded mode).
 */
export function createProfilesWorker(deps: ProfilesWorkerDeps): ProfilesWorker {
  const { port1, port2 } = new MessageChannel()
  const served = serveBusOverPort(deps.bus, port1)
  const { log } = deps
  const workerData: ProfilesThreadData = {
    busPort: port2,
    warehouse: deps.warehouse,
    logLevel: deps.logLevel,
    options: deps.options,
    http: deps.http,
    suppressionGroupPrefix: deps.suppressionGroupPrefix,
    writeKeys: deps.writeKeys,
    adminToken: deps.adminToken,
    browserSources: deps.browserSources,
  }
  const worker = startCompiledWorker(compiledEntry(import.meta.url, 'thread.js'), {
    workerData,
    transferList: [port2],
  })
  const send = (m: OwnerToThread) => worker.postMessage(m)
  const metrics = createWorkerMetrics((id) => send({ op: 'metrics', id }))
  let expectedExit = false
  let started: { resolve: (port: number) => void; reject: (err: Error) => void } | undefined
  let stopped: (() => void) | undefined
  const answers = new Map<number, (answer: ThreadAnswer) => void>()
  const idles = new Map<number, () => void>()
  let lastId = 0
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  worker.on('error', (err) => log.error({ err }, 'profiles thread failed'))
  worker.once('exit', (code) => {
    if (expectedExit) return
    const err = new Error(`profiles thread exited (code ${code})`)
    started?.reject(err)
    deps.onCrash(err)
  })
  worker.on('message', (m: ThreadToOwner) => {
    if (m.op === 'started') started?.resolve(m.port)
    else if (m.op === 'failed') started?.reject(new Error(`profiles thread: ${m.message}`))
    else if (m.op === 'stopped') stopped?.()
    else if (m.op === 'metrics') metrics.answer(m.id, m.metrics)
    else if (m.op === 'idle') idles.get(m.id)?.()
    else answers.get(m.id)?.({ status: m.status, headers: m.headers, body: m.body })
  })
  const unavailable: ThreadAnswer = {
    status: PROFILE_ERRORS.SIL_PROFILE_UNAVAILABLE.status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' },
    body: JSON.stringify(errorBody('SIL_PROFILE_UNAVAILABLE')),
  }
  const ask = (url: string, headers: Record<string, string>, remoteAddress: string) =>
    new Promise<ThreadAnswer>((resolve) => {
      const id = ++lastId
      const timer = setTimeout(() => {
        answers.delete(id)
        resolve(unavailable)
      }, ANSWER_TIMEOUT_MS)
      answers.set(id, (answer) => {
        clearTimeout(timer)
        answers.delete(id)
        resolve(answer)
      })
      send({ op: 'request', id, url, headers, remoteAddress })
    })

  return {
    async start() {
      const port = await new Promise<number>((resolve, reject) => {
        started = { resolve, reject }
      })
      await metrics.register(deps.registry)
      return port
    },
    register(app) {
      for (const url of ROUTES) {
        app.get(url, { ...OWN_CORS, logLevel: 'warn' }, async (request, reply) => {
          const headers: Record<string, string> = {}
          for (const [name, value] of Object.entries(request.headers)) {
            if (typeof value === 'string') headers[name] = value
          }
          // A `.`/`..` segment (`%2E` too) would be resolved by the thread's URL parser: see relay-url.ts.
          const answer = await ask(relayUrl(request.url), headers, request.ip)
          return reply.code(answer.status).headers(answer.headers).send(answer.body)
        })
      }
    },
    forwarding(list) {
      return {
        get size() {
          return list.size
        },
        has: (key) => list.has(key),
        match: (event) => list.match(event),
        add(key) {
          list.add(key)
          send({ op: 'suppression', key, suppressed: true })
        },
        delete(key) {
          list.delete(key)
          send({ op: 'suppression', key, suppressed: false })
        },
      }
    },
    stored: () => send({ op: 'stored' }),
    async idle() {
      const id = ++lastId
      const idle = new Promise<void>((resolve) => idles.set(id, resolve))
      send({ op: 'idle', id })
      // A thread that ends meanwhile runs nothing more.
      await Promise.race([idle, exited])
      idles.delete(id)
    },
    async stop() {
      const done = new Promise<void>((resolve) => {
        stopped = resolve
      })
      send({ op: 'stop' })
      await Promise.race([done, exited])
      for (const resolve of answers.values()) resolve(unavailable)
      await served.close()
    },
    async exit() {
      expectedExit = true
      send({ op: 'exit' })
      await exited
    },
  }
}
