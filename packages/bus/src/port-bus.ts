/**
 * A bus across a thread boundary: `serveBusOverPort` (the thread that owns the bus: the local log's
 * files, its fsyncs and its committed offsets stay with one owner) answers a `createPortBus` on the
 * other side of a MessagePort (a worker_thread that consumes and produces). Subscriptions run in the
 * owner: each batch is posted to the worker and the owner's group consumer commits its offsets only
 * once the worker's handler resolved, so at-least-once and "offsets after ClickHouse" hold as in one
 * thread. Consumer lag is therefore visible in the owner (`bus.offsets(topic, group)`).
 */
import type { MessagePort } from 'node:worker_threads'
import {
  BusError,
  type Batch,
  type Bus,
  type BusHealth,
  type BusRecord,
  type ProduceMessage,
  type SubscribeOptions,
  type Subscription,
  type TopicSpec,
} from './bus.js'

type Bounds = Pick<SubscribeOptions, 'maxBatchRecords' | 'maxBatchBytes' | 'minBatchBytes' | 'maxBatchWaitMs'>
const BOUNDS: readonly (keyof Bounds)[] = [
  'maxBatchRecords',
  'maxBatchBytes',
  'minBatchBytes',
  'maxBatchWaitMs',
]

interface WireError {
  message: string
  code?: string
}

type Request =
  | { id: number; op: 'produce'; topic: string; messages: ProduceMessage[] }
  | { id: number; op: 'offsets'; topic: string; group?: string }
  | { id: number; op: 'ensureTopics'; specs: TopicSpec[] }
  | {
      id: number
      op: 'subscribe'
      sub: number
      topic: string
      group: string
      /** The batch bounds (not takeParsed: parsed values stay in the owner's thread). */
      bounds: Bounds
      commit?: boolean
    }
  | { id: number; op: 'unsubscribe'; sub: number }

type Reply = { reply: number; ok: true; value?: unknown } | { reply: number; ok: false; error: WireError }

type ToWorker = Reply | { op: 'batch'; sub: number; seq: number; batch: Batch }
type ToOwner = Request | { op: 'batchDone'; seq: number; error?: WireError }

const toWire = (err: unknown): WireError => {
  const e = err instanceof Error ? err : new Error(String(err))
  const code = (e as { code?: unknown }).code
  return typeof code === 'string' ? { message: e.message, code } : { message: e.message }
}

const fromWire = (w: WireError): Error =>
  w.code?.startsWith('SIL_BUS_')
    ? new BusError(w.code as BusError['code'], w.message)
    : Object.assign(new Error(w.message), w.code ? { code: w.code } : {})

const asBuffer = (v: Uint8Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength)

/** The owner's side: serves `bus` to the worker at the other end of `port`. */
export function serveBusOverPort(bus: Bus, port: MessagePort): { close(): Promise<void> } {
  const subscriptions = new Map<number, Subscription>()
  const waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>()
  let seq = 0
  let closed = false
  const post = (m: ToWorker) => port.postMessage(m)

  async function handle(m: Request): Promise<unknown> {
    switch (m.op) {
      case 'produce':
        return bus.produce(
          m.topic,
          m.messages.map((x) => ({ ...x, value: asBuffer(x.value) })),
        )
      case 'offsets':
        return bus.offsets(m.topic, m.group)
      case 'ensureTopics':
        return bus.ensureTopics(m.specs)
      case 'subscribe': {
        const sub = await bus.subscribe({
          topic: m.topic,
          group: m.group,
          ...m.bounds,
          ...(m.commit !== undefined && { commit: m.commit }),
          eachBatch: (batch) =>
            new Promise<void>((resolve, reject) => {
              if (closed) return reject(new BusError('SIL_BUS_CLOSED', 'worker bus closed'))
              const n = ++seq
              waiting.set(n, { resolve, reject })
              // The parsed values stay on this side: a clone of each would cost as much as a parse.
              const records = batch.records.map(({ parsed: _, ...record }) => record)
              post({ op: 'batch', sub: m.sub, seq: n, batch: { ...batch, records } })
            }),
        })
        subscriptions.set(m.sub, sub)
        return undefined
      }
      case 'unsubscribe': {
        const sub = subscriptions.get(m.sub)
        subscriptions.delete(m.sub)
        return sub?.stop()
      }
    }
  }

  port.on('message', (m: ToOwner) => {
    if (m.op === 'batchDone') {
      const w = waiting.get(m.seq)
      waiting.delete(m.seq)
      if (m.error) w?.reject(fromWire(m.error))
      else w?.resolve()
      return
    }
    handle(m).then(
      (value) => post({ reply: m.id, ok: true, value }),
      (err: unknown) => post({ reply: m.id, ok: false, error: toWire(err) }),
    )
  })

  return {
    async close() {
      closed = true
      await Promise.allSettled([...subscriptions.values()].map((s) => s.stop()))
      subscriptions.clear()
      for (const w of waiting.values()) w.reject(new BusError('SIL_BUS_CLOSED', 'worker bus closed'))
      waiting.clear()
      port.close()
    },
  }
}

/** The worker's side: a Bus whose every call goes to the owner at the other end of `port`. */
export function createPortBus(port: MessagePort): Bus {
  let id = 0
  let subs = 0
  let closed = false
  const calls = new Map<number, { resolve: (v: unknown) => void; reject: (err: Error) => void }>()
  const handlers = new Map<number, (batch: Batch) => Promise<void>>()

  port.on('message', (m: ToWorker) => {
    if ('reply' in m) {
      const call = calls.get(m.reply)
      calls.delete(m.reply)
      if (m.ok) call?.resolve(m.value)
      else call?.reject(fromWire(m.error))
      return
    }
    const handler = handlers.get(m.sub)
    const records: BusRecord[] = m.batch.records.map((r) => ({ ...r, value: asBuffer(r.value) }))
    const run = handler
      ? handler({ ...m.batch, records })
      : Promise.reject(new BusError('SIL_BUS_CLOSED', 'no subscriber'))
    run.then(
      () => port.postMessage({ op: 'batchDone', seq: m.seq } satisfies ToOwner),
      (err: unknown) =>
        port.postMessage({ op: 'batchDone', seq: m.seq, error: toWire(err) } satisfies ToOwner),
    )
  })

  function call<T>(req: { op: Request['op'] } & Record<string, unknown>): Promise<T> {
    if (closed) return Promise.reject(new BusError('SIL_BUS_CLOSED', 'worker bus is closed'))
    const n = ++id
    return new Promise<T>((resolve, reject) => {
      calls.set(n, { resolve: resolve as (v: unknown) => void, reject })
      port.postMessage({ ...req, id: n })
    })
  }

  return {
    kind: 'local',
    ensureTopics: (specs) => call({ op: 'ensureTopics', specs: [...specs] }),
    produce: (topic, messages) => call({ op: 'produce', topic, messages: [...messages] }),
    offsets: (topic, group) => call({ op: 'offsets', topic, ...(group !== undefined && { group }) }),
    async subscribe(options): Promise<Subscription> {
      const sub = ++subs
      handlers.set(sub, async (batch) => {
        try {
          await options.eachBatch(batch)
        } catch (err) {
          options.onError?.(err, batch)
          throw err
        }
      })
      await call({
        op: 'subscribe',
        sub,
        topic: options.topic,
        group: options.group,
        bounds: Object.fromEntries(
          BOUNDS.filter((b) => options[b] !== undefined).map((b) => [b, options[b]]),
        ),
        ...(options.commit !== undefined && { commit: options.commit }),
      })
      let stopped: Promise<void> | undefined
      return {
        stop() {
          stopped ??= call<void>({ op: 'unsubscribe', sub }).finally(() => handlers.delete(sub))
          return stopped
        },
      }
    },
    health: (): BusHealth => (closed ? { ready: false, reason: 'closed' } : { ready: true }),
    async close() {
      closed = true
    },
  }
}
