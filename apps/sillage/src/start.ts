import { registerPrivacyAdmin } from '@sillage/admin'
import { TOPICS, createBusFromConfig, defaultTopicSpecs, followTopic } from '@sillage/bus'
import { createCollectorApp, createDebugTap } from '@sillage/collector'
import { createCartAbandonmentDetector, createIdentityService } from '@sillage/identity'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { applySuppressionRecord, createSuppressionList } from '@sillage/schemas/suppression'
import { applyRetention, createWarehouse, migrate } from '@sillage/warehouse'
import { registerAdminOpsRoutes } from './admin-ops.route.js'
import { registerAdminQueryRoute } from './admin-query.route.js'
import { registerAdminImportsRoute } from './admin-imports.route.js'
import type { CliConfig } from './config.js'
import { adminToken, demoSources, paths, removeRuntime, writeRuntime } from './data-dir.js'
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
  await applyRetention(warehouse, config.retention, log.child({ component: 'retention' }))

  const bus = createBusFromConfig({
    ...config.bus,
    localDir: paths(config.dataDir).bus,
    clientId: 'sillage-embedded',
    log: log.child({ component: 'bus' }),
  })
  await bus.ensureTopics(defaultTopicSpecs(config.bus.rawPartitions))

  // Erased identifiers (docs/privacy.md): one list for the collector, identity and the admin API,
  // read whole from privacy.suppressions before anything is accepted, then kept up to date.
  const suppressions = createSuppressionList()
  const suppressionFollower = await followTopic(bus, {
    topic: TOPICS.suppressions,
    groupPrefix: 'sillage.suppressions',
    onRecord: (record) => applySuppressionRecord(suppressions, record.key, record.value),
  })
  await suppressionFollower.caughtUp

  // The live debugger (/debugger/) sees what the collector writes and, through this tap, the
  // person identity stamps on each stored event (same process).
  const debugTap = createDebugTap()
  const identity = createIdentityService({
    bus,
    warehouse,
    log,
    registry,
    onStored: (rows) =>
      debugTap.person(rows.map((r) => ({ messageId: r.message_id, personId: r.person_id }))),
    suppressions,
    rules: config.identityRules,
  })
  await identity.start()
  // Cart Abandoned (docs/analysts.md): looks in ClickHouse, produces to events.raw.
  const cartAbandonment = createCartAbandonmentDetector({
    warehouse,
    bus,
    log,
    registry,
    options: config.cartAbandonment,
  })
  cartAbandonment.start()

  const sources =
    config.collector.sources ??
    demoSources(config.dataDir, [`http://${displayHost}:${port}`, `http://localhost:${port}`])
  const token = adminToken(config.dataDir, config.collector.adminToken)
  const app = createCollectorApp({
    config: { ...config.collector, adminToken: token },
    sources,
    bus,
    log,
    registry,
    debugTap,
    suppressions,
  })
  registerAdminQueryRoute(app, { warehouse, token })
  registerPrivacyAdmin(app, { warehouse, bus, log, token, suppressions, identityRules: identity.rules })
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
  registerAdminImportsRoute(app, {
    warehouse,
    token,
    sources,
    dataDir: config.dataDir,
    collectorUrl: () => `http://${displayHost}:${(app.server.address() as { port: number }).port}`,
  })

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
    await cartAbandonment.stop()
    await identity.stop()
    await suppressionFollower.stop()
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
    `Sillage is running (embedded: ${config.bus.kind} bus, ${warehouse.kind} warehouse in ${config.dataDir})`,
    `  collector   ${url}/v1/batch`,
    `  demo shop   ${url}/demo/`,
    `  metrics     ${url}/metrics`,
    `  debugger    ${url}/debugger/  (admin token: ${config.collector.adminToken ? '$SILLAGE_ADMIN_TOKEN' : paths(config.dataDir).adminToken})`,
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
