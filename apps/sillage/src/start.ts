import { createActivationStack } from '@sillage/activation'
import { createAdminStack } from '@sillage/admin'
import { createBusFromConfig, defaultTopicSpecs } from '@sillage/bus'
import { createCollectorStack, createDebugTap } from '@sillage/collector'
import { createIdentityStack } from '@sillage/identity'
import { createLogger, createMetricsRegistry, exitOnSignal } from '@sillage/runtime'
import { applyRetention, createWarehouse, migrate } from '@sillage/warehouse'
import { registerAdminOpsRoutes } from './admin-ops.route.js'
import { registerAdminQueryRoute } from './admin-query.route.js'
import { printBanner } from './banner.js'
import type { CliConfig } from './config.js'
import { adminToken, demoSources, paths, removeRuntime, writeRuntime } from './data-dir.js'
import { registerDemoRoutes } from './demo.route.js'

/**
 * `sillage start`: the services' own stacks (collector, identity, activation, admin), wired as their main.ts
 * wire them, in one process over one local bus and one chDB. Shuts down gracefully on
 * SIGINT/SIGTERM (the runtime's exitOnSignal).
 */
export async function start(config: CliConfig): Promise<void> {
  const log = createLogger({ level: config.collector.logLevel })
  const registry = createMetricsRegistry()
  const { port, host } = config.collector
  const displayHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host

  const warehouse = createWarehouse({ ...config.clickhouse, dataDir: config.dataDir })
  await migrate(warehouse, log.child({ component: 'migrate' }))
  await applyRetention(warehouse, config.retention, log.child({ component: 'retention' }))

  const bus = createBusFromConfig({
    ...config.bus,
    localDir: paths(config.dataDir).bus,
    clientId: 'sillage-embedded',
    log: log.child({ component: 'bus' }),
  })
  await bus.ensureTopics(defaultTopicSpecs(config.bus.rawPartitions))

  // The live debugger (/debugger/) sees what the collector writes and, through this tap, the
  // person identity stamps on each stored event (same process).
  const debugTap = createDebugTap()
  // Identity follows the erased identifiers (docs/privacy.md); the collector and the admin API
  // share its list: one per process, read whole before anything is accepted.
  const identity = createIdentityStack({
    bus,
    warehouse,
    log,
    registry,
    rules: config.identityRules,
    suppressionGroupPrefix: 'sillage.suppressions',
    onStored: (rows) =>
      debugTap.person(rows.map((r) => ({ messageId: r.message_id, personId: r.person_id }))),
  })
  await identity.start()
  // Cart Abandoned (docs/analysts.md): looks in ClickHouse, produces to events.raw.
  const activation = createActivationStack({
    bus,
    warehouse,
    log,
    registry,
    cartAbandonment: config.cartAbandonment,
    activation: config.activation,
  })
  activation.start()

  const sources =
    config.collector.sources ??
    demoSources(config.dataDir, [`http://${displayHost}:${port}`, `http://localhost:${port}`])
  const token = adminToken(config.dataDir, config.collector.adminToken)
  const collector = await createCollectorStack({
    config: { ...config.collector, adminToken: token },
    sources,
    bus,
    log,
    registry,
    debugTap,
    suppressions: identity.suppressions,
  })
  const { app } = collector
  registerAdminQueryRoute(app, { warehouse, token })
  createAdminStack({
    app,
    warehouse,
    bus,
    log,
    token,
    suppressions: identity.suppressions,
    identityRules: identity.rules,
  })
  registerAdminOpsRoutes(app, {
    bus,
    warehouse,
    sources,
    token,
    maxEventBytes: config.collector.maxEventBytes,
    rawPartitions: config.bus.rawPartitions,
  })
  const demo = sources.find((s) => s.id === 'demo') ?? sources.find((s) => s.type === 'browser')
  if (demo) registerDemoRoutes(app, { writeKey: demo.writeKey })

  await app.listen({ port, host })
  const address = app.server.address()
  const actualPort = typeof address === 'object' && address ? address.port : port
  const url = `http://${displayHost}:${actualPort}`
  writeRuntime(config.dataDir, { pid: process.pid, url })

  exitOnSignal({
    log,
    timeoutMs: config.shutdownTimeoutMs,
    async shutdown() {
      // Requests first (each has its bus ack), then the consumers, then the bus and the warehouse.
      await collector.close()
      await activation.stop()
      await identity.stop()
      await bus.close()
      await warehouse.close()
      removeRuntime(config.dataDir)
    },
  })

  printBanner({ config, url, warehouse, demo })
  log.info({ url, pid: process.pid }, 'sillage started')
}
