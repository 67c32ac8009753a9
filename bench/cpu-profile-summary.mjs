// Summarises .cpuprofile files (node --cpu-prof): per file (one per thread), the busy share and
// the top functions by self time.   node bench/cpu-profile-summary.mjs <dir> [top=15]
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.argv[2]
const top = Number(process.argv[3] ?? 15)
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .sort()) {
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8'))
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const self = new Map()
  const dt = p.timeDeltas
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i])
    const f = n.callFrame
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0))
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0)
  const idle = [...self].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0)
  console.log(
    `\n${file}: ${(total / 1e6).toFixed(1)} s sampled, busy ${(((total - idle) / total) * 100).toFixed(0)}%`,
  )
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`  ${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`)
}
