import { MessageChannel } from 'node:worker_threads'
import { serveBusOverPort, type Bus } from '@sillage/bus'
import type { IdentityRules } from '@sillage/identifiers'
import {
  compiledEntry,
  startCompiledWorker,
  createWorkerMetrics,
  type Logger,
  type Registry,
} from '@sillage/runtime'
import type { WarehouseOptions } from '@sillage/warehouse'
import type { IdentityWorkerData, OwnerToWorker, WorkerToOwner } from './worker.js'

export interface IdentityWorkerDeps {
  /** The owner's bus: its files, fsyncs and committed offsets stay in this thread. */
  bus: Bus
  warehouse: WarehouseOptions
  log: Logger
  /** The owner's registry: the worker's metrics are served through it (one /metrics). */
  registry: Registry
  rules: IdentityRules
  logLevel: string
  suppressionGroupPrefix: string
  group?: string
  maxBatchRecords?: number
  /** The stored rows' persons (the live debugger), as the in-thread stack's onStored. */
  onStored?: (rows: ReadonlyArray<{ message_id: string; person_id: string }>) => void
  /** The worker died (an error, not a stop): the owner must stop, chDB being shared. */
  onCrash: (err: Error) => void
}

export interface IdentityWorker {
  start(): Promise<void>
  /** Lets the batch in flight finish (inserts, then offsets) and stops consuming; chDB stays open. */
  stop(): Promise<void>
  /** After the owner closed the bus and chDB: ends the thread. */
  exit(): Promise<void>
}

/**
 * Identity's stack in a worker_thread (`sillage start` with SILLAGE_IDENTITY_WORKER): the owner
 * keeps the bus and serves it over a MessagePort (serveBusOverPort); the worker stitches and
 * inserts into chDB on the second core. See docs/architecture.md (embedded mode).
 */
export function createIdentityWorker(deps: IdentityWorkerDeps): IdentityWorker {
  const { port1, port2 } = new MessageChannel()
  const served = serveBusOverPort(deps.bus, port1)
  const workerData: IdentityWorkerData = {
    busPort: port2,
    warehouse: deps.warehouse,
    rules: deps.rules,
    logLevel: deps.logLevel,
    suppressionGroupPrefix: deps.suppressionGroupPrefix,
    ...(deps.group !== undefined && { group: deps.group }),
    ...(deps.maxBatchRecords !== undefined && { maxBatchRecords: deps.maxBatchRecords }),
  }
  const worker = startCompiledWorker(compiledEntry(import.meta.url, 'worker.js'), {
    workerData,
    transferList: [port2],
  })
  const send = (m: OwnerToWorker) => worker.postMessage(m)
  let expectedExit = false
  let started: { resolve: () => void; reject: (err: Error) => void } | undefined
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  worker.on('error', (err) => deps.log.error({ err }, 'identity worker failed'))
  worker.once('exit', (code) => {
    if (expectedExit) return
    const err = new Error(`identity worker exited (code ${code})`)
    started?.reject(err)
    deps.onCrash(err)
  })

  let stopped: (() => void) | undefined
  const metrics = createWorkerMetrics((id) => send({ op: 'metrics', id }))
  worker.on('message', (m: WorkerToOwner) => {
    if (m.op === 'started') started?.resolve()
    else if (m.op === 'failed') started?.reject(new Error(`identity worker: ${m.message}`))
    else if (m.op === 'stopped') stopped?.()
    else if (m.op === 'metrics') metrics.answer(m.id, m.metrics)
    else if (m.op === 'stored')
      deps.onStored?.(m.ids.map((message_id, i) => ({ message_id, person_id: m.persons[i]! })))
  })

  return {
    async start() {
      await new Promise<void>((resolve, reject) => {
        started = { resolve, reject }
      })
      await metrics.register(deps.registry)
    },
    async stop() {
      const done = new Promise<void>((resolve) => {
        stopped = resolve
      })
      send({ op: 'stop' })
      await Promise.race([done, exited])
      await served.close()
    },
    async exit() {
      expectedExit = true
      send({ op: 'exit' })
      await exited
    },
  }
}
