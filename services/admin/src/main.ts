#!/usr/bin/env node
/**
 * The standalone admin service (pipeline mode): `/admin/privacy/*` over Kafka and ClickHouse, on
 * its own port, for operators only (SILLAGE_ADMIN_TOKEN). Its composition root: reads the config
 * once, serves /metrics, /healthz and /readyz on SILLAGE_METRICS_PORT, applies the migrations and
 * the retention TTLs, serves; on SIGTERM/SIGINT lets the requests in flight finish, then closes
 * Kafka and ClickHouse. `sillage start` registers the same routes on
 * its collector instead.
 */
import { hostname } from 'node:os'
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
import { applyRetention, createWarehouse, migrate } from '@sillage/warehouse'
import { loadAdminConfig } from './config.js'
import { createAdminStack } from './stack.js'

/** Set once the logger exists, so that a failed start is logged through it. */
let startedLog: Logger | undefined

async function main(): Promise<void> {
  const config = loadAdminConfig()
  const log = createLogger({ level: config.logLevel, name: 'sillage-admin' })
  startedLog = log
  const registry = createMetricsRegistry()
  const bus = createBusFromConfig({
    ...config.bus,
    clientId: `sillage-admin-${hostname()}-${process.pid}`,
    log: log.child({ component: 'bus' }),
  })
  let ready = false
  const ops = createOpsServer({
    registry,
    log: log.child({ component: 'ops' }),
    readiness: () => {
      const health = bus.health()
      return { ready: ready && health.ready, bus: health }
    },
  })
  const metricsPort = await ops.listen(config.metrics.port, config.metrics.host)
  const warehouse = createWarehouse({ ...config.clickhouse, dataDir: config.dataDir })
  const { app } = createAdminStack({
    warehouse,
    bus,
    log,
    registry,
    token: config.adminToken,
    identityRules: config.identityRules,
    identityGroup: config.identityGroup,
  })
  exitOnSignal({
    log,
    timeoutMs: config.shutdownTimeoutMs,
    async shutdown() {
      ready = false
      await app.close()
      await bus.close()
      await warehouse.close()
      await ops.close()
    },
  })
  await migrate(warehouse, log.child({ component: 'migrate' }))
  await applyRetention(warehouse, config.retention, log.child({ component: 'retention' }))
  await bus.ensureTopics(defaultTopicSpecs(config.bus.rawPartitions))

  const { port, host } = config
  // A taken port or a wrong host: one SIL_LISTEN_FAILED line (exitOnStartupError), exit 1.
  const address = await listenOn(
    { variable: 'SILLAGE_ADMIN_PORT', hostVariable: 'SILLAGE_ADMIN_HOST', host, port },
    () => app.listen({ port, host }),
  )
  ready = true
  log.info(
    {
      address,
      pid: process.pid,
      topicPrefix: config.bus.topicPrefix,
      metrics: `http://${config.metrics.host}:${metricsPort}/metrics`,
    },
    'admin started',
  )
}

main().catch((err: unknown) => exitOnStartupError(err, startedLog))
