import { defaultTopicSpecs } from '@sillage/bus'
import { createCollectorApp } from '@sillage/collector'
import { createIdentityService } from '@sillage/identity'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { createWarehouse, migrate } from '@sillage/warehouse'
import { registerAdminQueryRoute } from './admin-query.route.js'
import { createBusFromConfig } from './bus.js'
import type { CliConfig } from './config.js'
import { adminToken, demoSources, removeRuntime, writeRuntime } from './data-dir.js'
import { registerDemoRoutes } from './demo.route.js'

/**
 * `sillage start`: collector + identity + bus + warehouse in one process. The composition root
 * of the embedded mode; shuts down gracefully on SIGINT/SIGTERM.
 */
export async function start(config: CliConfig): Promise<void> {
  const log = createLogger({ level: config.collector.logLevel })
  const registry = createMetricsRegistry()
  const { port, host } = config.collector
  const displayHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host

  const warehouse = createWarehouse({ ...config.clickhouse, dataDir: config.dataDir })
  await migrate(warehouse, log.child({ component: 'migrate' }))

  const bus = createBusFromConfig(config, log, 'sillage-embedded')
  await bus.ensureTopics(defaultTopicSpecs(config.rawPartitions))

  const identity = createIdentityService({ bus, warehouse, log, registry })
  await identity.start()

  const sources =
    config.collector.sources ??
    demoSources(config.dataDir, [`http://${displayHost}:${port}`, `http://localhost:${port}`])
  const app = createCollectorApp({ config: config.collector, sources, bus, log, registry })
  const token = adminToken(config.dataDir, config.collector.adminToken)
  registerAdminQueryRoute(app, { warehouse, token })
  const demo = sources.find((s) => s.id === 'demo') ?? sources.find((s) => s.type === 'browser')
  if (demo) registerDemoRoutes(app, { writeKey: demo.writeKey })

  await app.listen({ port, host })
  const address = app.server.address()
  const actualPort = typeof address === 'object' && address ? address.port : port
  const url = `http://${displayHost}:${actualPort}`
  writeRuntime(config.dataDir, { pid: process.pid, url })

  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down: draining requests, then the consumer, then the bus')
    await app.close()
    await identity.stop()
    await bus.close()
    await warehouse.close()
    removeRuntime(config.dataDir)
    log.info('stopped')
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      shutdown(signal).then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed')
          process.exit(1)
        },
      )
    })
  }

  const lines = [
    '',
    `Sillage is running (embedded: ${config.bus} bus, ${warehouse.kind} warehouse in ${config.dataDir})`,
    `  collector   ${url}/v1/batch`,
    `  demo shop   ${url}/demo/`,
    `  metrics     ${url}/metrics`,
    demo ? `  write key   ${demo.writeKey}  (source "${demo.id}")` : '',
    '',
    'Send an event:',
    demo
      ? `  curl -s -u '${demo.writeKey}:' -H 'content-type: application/json' ${url}/v1/track -d '{"event":"Hello","anonymousId":"a1","properties":{"plan":"demo"}}'`
      : '',
    'Query it:',
    `  pnpm sillage query "SELECT event, anonymous_id, timestamp FROM ${warehouse.database}.events ORDER BY received_at DESC LIMIT 5"`,
    '',
  ]
  process.stdout.write(lines.filter((l, i, a) => l !== '' || a[i - 1] !== '').join('\n') + '\n')
  log.info({ url, pid: process.pid }, 'sillage started')
}
