/**
 * The identity worker thread of `sillage start` (identity-worker.ts starts it): identity's stack —
 * stitching, row mapping, chDB inserts, the resolver and the changelog view — on the second core,
 * over the owner thread's bus (createPortBus) and a chDB session of its own on the same data path
 * (the engine is one per process; both threads' sessions share it). It never closes its chDB
 * session: closing a session in either thread closes the engine for both, so the owner closes it
 * last, then lets this thread exit.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import { createPortBus } from '@sillage/bus'
import type { IdentityRules } from '@sillage/identifiers'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { createWarehouse, type WarehouseOptions } from '@sillage/warehouse'
import { createIdentityStack } from './stack.js'

export interface IdentityWorkerData {
  busPort: MessagePort
  warehouse: WarehouseOptions
  rules: IdentityRules
  logLevel: string
  group?: string
  maxBatchRecords?: number
  suppressionGroupPrefix: string
}

export type WorkerToOwner =
  | { op: 'started' }
  | { op: 'failed'; message: string }
  | { op: 'stopped' }
  | { op: 'stored'; ids: string[]; persons: string[] }
  | { op: 'metrics'; id: number; metrics: unknown }

export type OwnerToWorker = { op: 'stop' } | { op: 'exit' } | { op: 'metrics'; id: number }

const port = parentPort
if (!port) throw new Error('identity worker: not in a worker thread')
const data = workerData as IdentityWorkerData
const log = createLogger({ level: data.logLevel }).child({ thread: 'identity' })
const registry = createMetricsRegistry({ defaultMetrics: false })
const warehouse = createWarehouse(data.warehouse)
const post = (m: WorkerToOwner) => port.postMessage(m)

const identity = createIdentityStack({
  bus: createPortBus(data.busPort),
  warehouse,
  log,
  registry,
  rules: data.rules,
  suppressionGroupPrefix: data.suppressionGroupPrefix,
  ...(data.group !== undefined && { group: data.group }),
  ...(data.maxBatchRecords !== undefined && { maxBatchRecords: data.maxBatchRecords }),
  onStored: (rows) =>
    post({ op: 'stored', ids: rows.map((r) => r.message_id), persons: rows.map((r) => r.person_id) }),
})

port.on('message', (m: OwnerToWorker) => {
  if (m.op === 'metrics') {
    registry.getMetricsAsJSON().then(
      (metrics) => post({ op: 'metrics', id: m.id, metrics }),
      () => post({ op: 'metrics', id: m.id, metrics: [] }),
    )
  } else if (m.op === 'stop') {
    identity.stop().then(
      () => post({ op: 'stopped' }),
      (err: unknown) => {
        log.error({ err }, 'identity worker: stop failed')
        post({ op: 'stopped' })
      },
    )
  } else {
    // The owner closed chDB already: leave without closing this thread's session (see above).
    process.exit(0)
  }
})

identity.start().then(
  () => post({ op: 'started' }),
  (err: unknown) => post({ op: 'failed', message: err instanceof Error ? err.message : String(err) }),
)
