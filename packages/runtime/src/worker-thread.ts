import { Worker, type WorkerOptions } from 'node:worker_threads'
import type { Registry } from './metrics.js'

/**
 * The owner's Node flags less its export conditions: a service worker runs its compiled entry,
 * whose imports must resolve to the packages' dist/ even when the owner resolves their sources
 * (tests run with `--conditions sillage-src`, which a worker would otherwise inherit).
 */
export function compiledExecArgv(): string[] {
  const out: string[] = []
  const argv = process.execArgv
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--conditions' || a === '-C') i++
    else if (!a.startsWith('--conditions=')) out.push(a)
  }
  return out
}

/**
 * The flags a Worker refused (ERR_WORKER_INVALID_EXEC_ARGV): V8's and the process's own
 * (`--max-old-space-size=4096`, `--stack-size=…`), which apply to every thread anyway. Node names
 * them in the message: `Initiated Worker with invalid execArgv flags: a, b`.
 */
function refusedFlags(err: unknown): Set<string> | undefined {
  if ((err as { code?: unknown } | null)?.code !== 'ERR_WORKER_INVALID_EXEC_ARGV') return undefined
  const list = (err as Error).message.split(': ').slice(1).join(': ')
  return new Set(list.split(', ').filter(Boolean))
}

/**
 * A service worker on its compiled entry, with the owner's flags (compiledExecArgv) less those a
 * worker cannot take: `node --max-old-space-size=4096 …/main.js start` starts its threads too.
 */
export function startCompiledWorker(entry: URL, options: Omit<WorkerOptions, 'execArgv'>): Worker {
  let execArgv = compiledExecArgv()
  for (;;) {
    try {
      return new Worker(entry, { ...options, execArgv })
    } catch (err) {
      const refused = refusedFlags(err)
      const kept = refused && execArgv.filter((a) => !refused.has(a))
      if (!kept || kept.length === execArgv.length) throw err
      execArgv = kept
    }
  }
}

/**
 * A worker's compiled entry `file` (in the package's dist/), from the URL of the module that starts
 * it: its neighbour when that module runs compiled, `../dist/<file>` when it runs from its sources.
 */
export function compiledEntry(moduleUrl: string, file: string): URL {
  return new URL(moduleUrl.endsWith('.ts') ? `../dist/${file}` : `./${file}`, moduleUrl)
}

type MetricJson = { name: string; help: string; type: string }

export interface WorkerMetrics {
  /** The worker's answer to `ask(id)`: its registry's getMetricsAsJSON(). */
  answer(id: number, metrics: unknown): void
  /** Registers every metric the worker has now in the owner's registry (one /metrics). */
  register(registry: Registry): Promise<void>
}

/**
 * A worker thread's metrics served through the owner's registry: one fetch of the worker's
 * registry per scrape (`ask` posts the request; the worker answers with its id), shared by every
 * proxied metric. A worker that does not answer within 2 s shows no values for that scrape.
 */
export function createWorkerMetrics(ask: (id: number) => void): WorkerMetrics {
  let lastId = 0
  const calls = new Map<number, (metrics: MetricJson[]) => void>()
  let scrape: Promise<MetricJson[]> | undefined
  function fetchAll(): Promise<MetricJson[]> {
    scrape ??= new Promise<MetricJson[]>((resolve) => {
      const id = ++lastId
      const timer = setTimeout(() => resolve([]), 2000)
      calls.set(id, (metrics) => {
        clearTimeout(timer)
        calls.delete(id)
        resolve(metrics)
      })
      ask(id)
    }).finally(() => setTimeout(() => (scrape = undefined), 100).unref())
    return scrape
  }
  return {
    answer: (id, metrics) => calls.get(id)?.(metrics as MetricJson[]),
    async register(registry) {
      for (const m of await fetchAll()) {
        const empty = { name: m.name, help: m.help, type: m.type, values: [], aggregator: 'sum' }
        // prom-client renders any registered object with a name and an async get() (registry.js).
        registry.registerMetric({
          name: m.name,
          help: m.help,
          type: m.type,
          get: async () => (await fetchAll()).find((x) => x.name === m.name) ?? empty,
        } as unknown as Parameters<Registry['registerMetric']>[0])
      }
    },
  }
}
