import { registerPrivacyAdmin } from '@sillage/admin'
import { TOPICS, createBusFromConfig, defaultTopicSpecs, followTopic } from '@sillage/bus'
import { createCollectorApp, createDebugTap } from '@sillage/collector'
import { registerDashboard } from '@sillage/dashboard'
import { createCartAbandonmentDetector, createIdentityService, decodeChangelog } from '@sillage/identity'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { applySuppressionRecord, createSuppressionList } from '@sillage/schemas/suppression'
import { applyRetention, createWarehouse, migrate } from '@sillage/warehouse'
import { registerAdminOpsRoutes } from './admin-ops.route.js'
import { registerAdminQueryRoute } from './admin-query.route.js'
import type { CliConfig } from './config.js'
import { startBanner } from './banner.js'
import { adminToken, demoSources, paths, removeRuntime, writeRuntime } from './data-dir.js'
import { createDebugPersons } from './debug-persons.js'
import { registerDemoRoutes } from './demo.route.js'
import { assertCanListen, listenFailure } from './port-check.js'
import { gateUntilReady } from './readiness.js'

/**
 * `sillage start`: collector + identity + bus + warehouse in one process. The composition root
 * of the embedded mode; shuts down gracefully on SIGINT/SIGTERM.
 */
export async function start(config: CliConfig): Promise<void> {
  const log = createLogger({ level: config.collector.logLevel })
  const registry = createMetricsRegistry()
  const { port, host } = config.collector
  const displayHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  // A taken port fails here, in one line, before anything opens (port-check.ts).
  await assertCanListen(host, port)

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
  // ... showing the resolved person (events_resolved's): merges re-link the rows (debug-persons.ts).
  const debugPersons = createDebugPersons({ link: (links) => debugTap.person(links) })
  const mergeFollower = await followTopic(bus, {
    topic: TOPICS.changelog,
    groupPrefix: 'sillage.debugger',
    onRecord: (record) => {
      const m = decodeChangelog(record.key, record.value)
      if (m?.kind === 'override') debugPersons.merged(m.oldPersonId, m.personId)
    },
  })
  const identity = createIdentityService({
    bus,
    warehouse,
    log,
    registry,
    onStored: (rows) => debugPersons.stored(rows),
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
  registerDashboard(app, { warehouse, log, adminToken: token, analystToken: config.dashboard.analystToken })
  const demo = sources.find((s) => s.id === 'demo') ?? sources.find((s) => s.type === 'browser')
  if (demo) registerDemoRoutes(app, { writeKey: demo.writeKey })

  // Ready for HTTP clients and the CLI at once: 503 until the runtime file is written (readiness.ts).
  const gate = gateUntilReady(app)
  try {
    await app.listen({ port, host })
  } catch (err) {
    // Taken since the check: close what opened (the runtime file is another process's), then exit 1.
    await app.close()
    await cartAbandonment.stop()
    await identity.stop()
    await suppressionFollower.stop()
    await mergeFollower.stop()
    await bus.close()
    await warehouse.close()
    throw listenFailure(err, host, port)
  }
  const address = app.server.address()
  const actualPort = typeof address === 'object' && address ? address.port : port
  const url = `http://${displayHost}:${actualPort}`
  writeRuntime(config.dataDir, { pid: process.pid, url })
  gate.open()

  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down: draining requests, then the consumer, then the bus')
    await app.close()
    await cartAbandonment.stop()
    await identity.stop()
    await suppressionFollower.stop()
    await mergeFollower.stop()
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

  log.info({ url, pid: process.pid }, 'sillage started')
  // The banner comes last, once the server answers: every command in it runs as printed (banner.ts).
  process.stdout.write(
    startBanner({
      url,
      busKind: config.bus.kind,
      warehouseKind: warehouse.kind,
      database: warehouse.database,
      dataDir: config.dataDir,
      adminTokenHint: config.collector.adminToken ? '$SILLAGE_ADMIN_TOKEN' : paths(config.dataDir).adminToken,
      demo,
    }),
  )
}
