#!/usr/bin/env node
/**
 * The standalone profiles service (pipeline mode): profile and recommendation lookups on
 * SILLAGE_PROFILES_PORT, the refresher and the scorer against ClickHouse, the suppression list
 * followed from Kafka. /metrics, /healthz and /readyz on SILLAGE_METRICS_PORT. Several instances
 * may serve lookups; the jobs are idempotent upserts, so extra instances only repeat the work.
 */
import { hostname } from 'node:os'
import Fastify, { type FastifyBaseLogger } from 'fastify'
import { createBusFromConfig, defaultTopicSpecs } from '@sillage/bus'
import {
  createLogger,
  createMetricsRegistry,
  createOpsServer,
  exitOnSignal,
  exitOnStartupError,
  listenOn,
  type Logger,
} from '@sillage/runtime'
import { followSuppressions } from '@sillage/identifiers/follow'
import { createWarehouse, migrate } from '@sillage/warehouse'
import { loadProfilesServiceConfig } from './config.js'
import { profilesServerOptions } from './server-options.js'
import { registerProfileRefusals } from './routes/refusals.js'
import { createProfilesStack, type ProfilesStack } from './stack.js'

let startedLog: Logger | undefined

async function main(): Promise<void> {
  const config = loadProfilesServiceConfig()
  const log = createLogger({ level: config.logLevel, name: 'sillage-profiles' })
  startedLog = log
  const registry = createMetricsRegistry()
  const bus = createBusFromConfig({
    ...config.bus,
    clientId: `sillage-profiles-${hostname()}-${process.pid}`,
    log: log.child({ component: 'bus' }),
  })
  let ready = false
  const ops = createOpsServer({
    registry,
    log: log.child({ component: 'ops' }),
    readiness: () => ({ ready, bus: bus.health() }),
  })
  const metricsPort = await ops.listen(config.metrics.port, config.metrics.host)
  const warehouse = createWarehouse({ ...config.clickhouse, dataDir: config.dataDir })
  const app = Fastify({
    loggerInstance: log.child({ component: 'http' }) as FastifyBaseLogger,
    ...profilesServerOptions,
  })
  registerProfileRefusals(app)
  // eslint-disable-next-line prefer-const -- read by the shutdown handler, which may run before it is set
  let stack: ProfilesStack | undefined
  const followers: Array<{ stop(): Promise<void> }> = []
  exitOnSignal({
    log,
    timeoutMs: config.shutdownTimeoutMs,
    async shutdown() {
      ready = false
      await app.close()
      await stack?.stop()
      for (const follower of followers) await follower.stop()
      await bus.close()
      await warehouse.close()
      await ops.close()
    },
  })
  await migrate(warehouse, log.child({ component: 'migrate' }))
  // The topics it follows, created if absent (as every standalone service does at start).
  await bus.ensureTopics(defaultTopicSpecs(config.bus.rawPartitions))
  // Erased identifiers (docs/privacy.md): read whole before serving, then followed.
  const follower = await followSuppressions(bus, {
    groupPrefix: 'profiles.suppressions',
    ...(config.profiles.phoneCountryCode !== undefined && {
      phoneCountryCode: config.profiles.phoneCountryCode,
    }),
  })
  followers.push(follower)
  stack = createProfilesStack({
    warehouse,
    log,
    registry,
    options: config.profiles,
    suppressions: follower.list,
    writeKeys: config.writeKeys,
    adminToken: config.adminToken,
    browserSources: config.browserSources,
  })
  stack.register(app)
  const { port, host } = config.http
  // A taken port or a wrong host: one SIL_LISTEN_FAILED line (exitOnStartupError), exit 1.
  await listenOn(
    { variable: 'SILLAGE_PROFILES_PORT', hostVariable: 'SILLAGE_PROFILES_HOST', host, port },
    () => app.listen({ port, host }),
  )
  stack.start()
  ready = true
  log.info(
    {
      pid: process.pid,
      port: config.http.port,
      warehouse: warehouse.kind,
      readKeys: config.profiles.readKeys.length,
      browserSources: config.browserSources.length,
      metrics: `http://${config.metrics.host}:${metricsPort}/metrics`,
    },
    'profiles started',
  )
}

main().catch((err: unknown) => exitOnStartupError(err, startedLog))
