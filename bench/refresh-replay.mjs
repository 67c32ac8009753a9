// Two successive profile refresh runs replayed over a data dir kept by bench:profiles: the
// windows [t - 2W, t - W] and [t - W, t] before its refresh watermark t, on a copy of the dir; the
// second run's wall time, process CPU (chDB's threads included) and steps. ROOT=<checkout> runs
// another build's store (a base, alternated run by run with this one).
//
//   KEEP_DATA_DIR=1 SECONDS=20 npx -y pnpm@10.34.8 bench:profiles     (prints "data dir kept: <dir>")
//   node bench/refresh-replay.mjs <dir> [pairs]
//   WINDOW=2500 ROOT=/tmp/base node bench/refresh-replay.mjs <dir> 5
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'

const [dir, pairs = '3'] = process.argv.slice(2)
const W = Number(process.env.WINDOW ?? 2500)
const here = resolve(fileURLToPath(import.meta.url), '../..')
const roots = [process.env.ROOT, here].filter(Boolean)

if (process.argv[2] === '--run') {
  // One replay, in a process of its own (chDB holds one data dir per process).
  const [, copy, root] = process.argv.slice(2)
  const { createRequire } = await import('node:module')
  const require = createRequire(`${root}/services/profiles/package.json`)
  const { createWarehouse } = await import(require.resolve('@sillage/warehouse'))
  const { createProfileStore } = await import(`${root}/services/profiles/dist/adapters/profile-store.js`)
  const store = createProfileStore(createWarehouse({ database: 'sillage', dataDir: copy }))
  const t = await store.watermark('refresh')
  const toMs = (s) => Date.parse(`${s.replace(' ', 'T')}Z`)
  const at = (ms) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
  const run = (mark, upTo) =>
    store.refresh({ mark, from: at(toMs(mark) - 1000), upTo, cap: 50_000, readBack: 200_000 })
  const first = await run(at(toMs(t) - 2 * W), at(toMs(t) - W))
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  const second = await run(first.reached, t)
  const c = process.cpuUsage(c0)
  console.log(
    `${root}: ${second.persons.length} persons, ${(performance.now() - t0).toFixed(0)} ms wall, ` +
      `${((c.user + c.system) / 1000).toFixed(0)} ms CPU, steps ${JSON.stringify(second.ms)}`,
  )
  process.exit(0)
}

if (!dir) throw new Error('usage: node bench/refresh-replay.mjs <data dir kept by bench:profiles> [pairs]')
for (let i = 0; i < Number(pairs); i++) {
  for (const root of roots) {
    const copy = mkdtempSync(join(tmpdir(), 'sillage-replay-'))
    cpSync(dir, copy, { recursive: true })
    try {
      process.stdout.write(
        execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--run', copy, root]),
      )
    } finally {
      rmSync(copy, { recursive: true, force: true })
    }
  }
}
