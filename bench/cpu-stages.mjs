// CPU by pipeline stage from .cpuprofile files (node --cpu-prof, one per JavaScript thread): each
// sample goes to the stage of its function's file, or of its nearest caller's that has one. Used by bench:embedded
// with CPU_PROF_DIR; also   node bench/cpu-stages.mjs <dir> [events]
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** First match wins: [stage, test on the function's URL or name]. */
const STAGES = [
  ['idle', (url, fn) => fn === '(idle)'],
  ['GC', (url, fn) => fn === '(garbage collector)'],
  ['collector', (url) => url.includes('/services/collector/')],
  [
    'HTTP (Fastify, Node)',
    (url) =>
      /\/node_modules\/(fastify|find-my-way|@fastify|avvio|light-my-request|fast-json-stringify|secure-json-parse)\/|node:_http|node:net|node:internal\/(http|stream_base)/.test(
        url,
      ),
  ],
  ['local bus', (url) => url.includes('/packages/bus/') || url === 'node:zlib'],
  ['identity', (url) => url.includes('/services/identity/') || url.includes('/packages/identifiers/')],
  [
    'insert encoding, chDB calls',
    (url) =>
      /\/node_modules\/(@clickhouse\/client|@clickhouse\/client-common|chdb)\//.test(url) ||
      url.includes('/packages/warehouse/'),
  ],
  ['activation', (url) => url.includes('/services/activation/')],
  ['profiles', (url) => url.includes('/services/profiles/')],
]

const OTHER = 'other (program, start-up, timers)'

/** Microseconds of self time per stage, summed over the profiles of `dir`. */
export function cpuByStage(dir) {
  const totals = new Map()
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const p = JSON.parse(readFileSync(join(dir, file), 'utf8'))
    // A frame of no stage (Node's fs, Buffer, zlib; V8 builtins) counts for its nearest caller's.
    const byId = new Map(p.nodes.map((n) => [n.id, n]))
    const parent = new Map()
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
    const stageOf = new Map()
    const resolve = (id) => {
      if (stageOf.has(id)) return stageOf.get(id)
      const { url, functionName } = byId.get(id).callFrame
      const own = STAGES.find(([, test]) => test(url, functionName))?.[0]
      const up = parent.get(id)
      const stage = own ?? (up === undefined ? OTHER : resolve(up))
      stageOf.set(id, stage)
      return stage
    }
    for (let i = 0; i < p.samples.length; i++) {
      const stage = resolve(p.samples[i])
      totals.set(stage, (totals.get(stage) ?? 0) + (p.timeDeltas[i] ?? 0))
    }
  }
  totals.delete('idle')
  return [...totals].sort((a, b) => b[1] - a[1])
}

/** One line: each stage's microseconds per event. */
export function formatStages(stages, events) {
  return stages.map(([stage, us]) => `${stage} ${(us / events).toFixed(1)} µs`).join(', ')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const events = Number(process.argv[3] ?? 1)
  console.log(formatStages(cpuByStage(process.argv[2]), events))
}
