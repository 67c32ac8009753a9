import { createActivationStack } from '@sillage/activation'
import { createAdminStack } from '@sillage/admin'
import {
  IN_PROCESS_TAIL_BYTES,
  TOPICS,
  createBusFromConfig,
  defaultTopicSpecs,
  followTopic,
} from '@sillage/bus'
import { createCollectorStack, createDebugTap } from '@sillage/collector'
import { registerDashboard } from '@sillage/dashboard'
import {
  createIdentityStack,
  createIdentityWorker,
  decodeChangelog,
  type IdentityStack,
} from '@sillage/identity'
import type { SuppressionList } from '@sillage/identifiers'
import { followSuppressions } from '@sillage/identifiers/follow'
import { createLogger, createMetricsRegistry, exitOnSignal, listenError } from '@sillage/runtime'
import { applyRetention, createWarehouse, migrate } from '@sillage/warehouse'
import { registerAdminOpsRoutes } from './admin-ops.route.js'
import { registerAdminQueryRoute } from './admin-query.route.js'
import { registerAdminImportsRoute } from './admin-imports.route.js'
import type { CliConfig } from './config.js'
import { startBanner } from './banner.js'
import {
  adminToken,
  demoSources,
  paths,
  profileReadKeys,
  readRuntime,
  removeRuntime,
  writeRuntime,
} from './data-dir.js'
import { createDebugPersons } from './debug-persons.js'
import { registerDemoRoutes } from './demo.route.js'
import { assertCanListen, assertDataDirFree, profilesPortFor, startTarget } from './port-check.js'
import { gateUntilReady } from './readiness.js'
import { createLagGate } from './lag-gate.js'
import { startProfiles } from './start-profiles.js'

/**
 * `sillage start`: the services' own stacks (collector, identity, activation, admin), wired as their main.ts
 * wire them, in one process over one local bus and one chDB. Shuts down gracefully on
 * SIGINT/SIGTERM (the runtime's exitOnSignal).
 */
export async function start(config: CliConfig): Promise<void> {
  const log = createLogger({ level: config.collector.logLevel })
  for (const warning of config.warnings) log.warn(warning) // KAFKA_BROKERS without SILLAGE_BUS=kafka …
  const registry = createMetricsRegistry()
  const { port, host } = config.collector
  const displayHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  // A data dir or a port taken by another start fails here, in one line, before anything opens.
  assertDataDirFree(config.dataDir, readRuntime(config.dataDir))
  await assertCanListen(host, port)
  const profilesPort = config.embedded.profilesThread
    ? await profilesPortFor(host, port, config.embedded.profilesPort)
    : undefined

  const warehouse = createWarehouse({ ...config.clickhouse, dataDir: config.dataDir })
  await migrate(warehouse, log.child({ component: 'migrate' }))
  await applyRetention(warehouse, config.retention, log.child({ component: 'retention' }))

  const bus = createBusFromConfig({
    ...config.bus,
    localDir: paths(config.dataDir).bus,
    localTailBytes: IN_PROCESS_TAIL_BYTES, // identity reads what the collector writes, here
    clientId: 'sillage-embedded',
    log: log.child({ component: 'bus' }),
  })
  await bus.ensureTopics(defaultTopicSpecs(config.bus.rawPartitions))

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
  // Identity follows the erased identifiers (docs/privacy.md); the collector and the admin API
  // share its list: one per process, read whole before anything is accepted. With
  // SILLAGE_IDENTITY_WORKER identity runs in a worker thread over this thread's bus, and this
  // thread follows the list for the collector and the admin API itself.
  // Identity's stored events also start the profiles' next refresh shortly (set once they run).
  let profilesStored = (): void => {}
  const onStored = (rows: ReadonlyArray<{ message_id: string; person_id: string }>) => {
    debugPersons.stored(rows)
    profilesStored()
  }
  let identity: IdentityStack | undefined
  let worker: ReturnType<typeof createIdentityWorker> | undefined
  let suppressions: SuppressionList
  let stopSuppressions = async (): Promise<void> => {}
  if (config.embedded.identityWorker) {
    const feed = await followSuppressions(bus, {
      groupPrefix: 'sillage.suppressions',
      ...(config.identityRules.phoneCountryCode !== undefined && {
        phoneCountryCode: config.identityRules.phoneCountryCode,
      }),
    })
    suppressions = feed.list
    stopSuppressions = feed.stop
    worker = createIdentityWorker({
      bus,
      warehouse: { ...config.clickhouse, dataDir: config.dataDir },
      log,
      registry,
      rules: config.identityRules,
      logLevel: config.collector.logLevel,
      suppressionGroupPrefix: 'sillage.suppressions.identity',
      onStored,
      onCrash: (err) => {
        // chDB is one engine per process and the worker's end closed it: stop, to be restarted.
        log.fatal({ err }, 'identity worker died; stopping')
        process.exit(1)
      },
    })
    await worker.start()
  } else {
    identity = createIdentityStack({
      bus,
      warehouse,
      log,
      registry,
      rules: config.identityRules,
      suppressionGroupPrefix: 'sillage.suppressions',
      onStored,
    })
    await identity.start()
    suppressions = identity.suppressions
  }
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
    bus: worker
      ? createLagGate(bus, { group: 'identity', maxLagEvents: config.embedded.maxIdentityLagEvents })
      : bus,
    log,
    registry,
    debugTap,
    suppressions,
  })
  const { app } = collector
  registerAdminQueryRoute(app, { warehouse, token })
  activation.registerAdminRoutes(app, { token })
  // Profiles (docs/profiles.md): lookups, refresher and scorer in a thread of their own, on a port
  // of their own too, the collector's relaying; on the main thread with SILLAGE_PROFILES_THREAD=false.
  const readKeys = profileReadKeys(config.dataDir, config.profiles.readKeys)
  const profiles = await startProfiles({
    port: profilesPort,
    portIsDefault: config.embedded.profilesPort === undefined,
    host,
    bus,
    warehouse,
    warehouseOptions: { ...config.clickhouse, dataDir: config.dataDir },
    log,
    logLevel: config.collector.logLevel,
    registry,
    suppressions,
    options: { ...config.profiles, readKeys },
    adminToken: token,
    writeKeys: sources.flatMap((s) => [s.writeKey, ...s.previousWriteKeys.map((p) => p.writeKey)]),
    browserSources: sources.filter((s) => s.type === 'browser'),
  })
  profiles.register(app)
  profilesStored = () => profiles.stored()
  createAdminStack({
    app,
    warehouse,
    bus,
    log,
    registry,
    token,
    suppressions: profiles.suppressions,
    // An erasure waits for the profiles' runs in flight, then deletes what they wrote back.
    jobsInFlight: () => profiles.idle(),
    identityRules: config.identityRules,
  })
  registerAdminOpsRoutes(app, {
    bus,
    warehouse,
    sources,
    token,
    maxEventBytes: config.collector.maxEventBytes,
    rawPartitions: config.bus.rawPartitions,
  })
  registerDashboard(app, {
    warehouse,
    log,
    adminToken: token,
    analystToken: config.dashboard.analystToken,
    // The file's and the admin API's audiences, merged as activation runs them.
    audiences: async () => {
      const defs = await activation.definitions()
      return defs.audiences.map((a) => ({ ...a, source: defs.origins.get(a.id)?.source }))
    },
  })
  const demo = sources.find((s) => s.id === 'demo') ?? sources.find((s) => s.type === 'browser')
  if (demo) registerDemoRoutes(app, { writeKey: demo.writeKey })
  registerAdminImportsRoute(app, {
    warehouse,
    token,
    sources,
    dataDir: config.dataDir,
    retentionDays: config.retention.deadLetterDays,
    collectorUrl: () => `http://${displayHost}:${(app.server.address() as { port: number }).port}`,
  })

  // Requests first (each has its bus ack), then the consumers, then the bus and the warehouse.
  const closeAll = async () => {
    await collector.close()
    await profiles.stop()
    await activation.stop()
    await identity?.stop()
    await worker?.stop()
    await stopSuppressions()
    await mergeFollower.stop()
    await bus.close()
    await warehouse.close()
    // chDB closed: the worker thread may end (it never closes its session, see its worker.ts).
    await worker?.exit()
    await profiles.exit()
  }

  // Ready for HTTP clients and the CLI at once: 503 until the runtime file is written (readiness.ts).
  const gate = gateUntilReady(app)
  try {
    await app.listen({ port, host })
  } catch (err) {
    // Taken since the check: close what opened (the runtime file is another process's), then exit 1.
    await closeAll()
    throw listenError(err, startTarget(host, port))
  }
  const address = app.server.address()
  const actualPort = typeof address === 'object' && address ? address.port : port
  const url = `http://${displayHost}:${actualPort}`
  writeRuntime(config.dataDir, { pid: process.pid, url })
  gate.open()

  exitOnSignal({
    log,
    timeoutMs: config.shutdownTimeoutMs,
    async shutdown() {
      await closeAll()
      removeRuntime(config.dataDir)
    },
  })

  log.info({ url, profilesPort: profiles.port }, 'sillage started') // pino's base names the pid
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
      sender: sources.find((s) => s.type === 'server') ?? demo,
      // The demo read key is printed (it is in the data dir); configured ones stay unprinted.
      ...(config.profiles.readKeys.length === 0 && { profileReadKey: readKeys[0]?.key }),
      ...(profiles.port !== undefined && { profilesUrl: `http://${displayHost}:${profiles.port}` }),
    }),
  )
}
