// The collector alone on the local bus (no identity, no warehouse): what `bench/collector-local.mjs`
// loads. Uses the built packages (pnpm build first).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLocalBus, defaultTopicSpecs } from '../packages/bus/dist/index.js'
import { createLogger, createMetricsRegistry } from '../packages/runtime/dist/index.js'
import { createCollectorApp } from '../services/collector/dist/index.js'
import { sourcesSchema } from '../schemas/dist/index.js'

const dir = mkdtempSync(join(tmpdir(), 'sillage-bench-collector-'))
const bus = createLocalBus({ dir })
await bus.ensureTopics(defaultTopicSpecs(4))
const app = createCollectorApp({
  config: { maxEventBytes: 32 * 1024, maxBatchBytes: 512_000 },
  sources: sourcesSchema.parse([{ id: 'bench', writeKey: process.env.WRITE_KEY, type: 'server' }]),
  bus,
  log: createLogger({ level: 'warn' }),
  registry: createMetricsRegistry(),
})
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
process.once('SIGTERM', async () => {
  await app.close()
  await bus.close()
  rmSync(dir, { recursive: true, force: true })
  process.exit(0)
})
