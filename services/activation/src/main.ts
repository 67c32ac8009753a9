#!/usr/bin/env node
/**
 * The standalone activation service (pipeline mode): looks in ClickHouse, produces to Kafka (the
 * Cart Abandoned detector; audiences, triggers and destinations). Its composition root: reads the
 * config once, serves /metrics, /healthz and /readyz on SILLAGE_METRICS_PORT, applies the
 * migrations, starts, then serves the admin API (`/admin/audiences`) on SILLAGE_ACTIVATION_PORT
 * when SILLAGE_ADMIN_TOKEN is set; on SIGTERM/SIGINT lets the requests and a look in progress
 * finish, then closes Kafka and ClickHouse.
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
import { createWarehouse, migrate } from '@sillage/warehouse'
import { loadActivationConfig } from './config.js'
import { createActivationStack } from './stack.js'
import { createActivationServer } from './routes/activation-server.js'

/** Set once the logger exists, so that a failed start is logged through it. */
let startedLog: Logger | undefined

async function main(): Promise<void> {
  const config = loadActivationConfig()
  const log = createLogger({ level: config.logLevel, name: 'sillage-activation' })
  startedLog = log
  const registry = createMetricsRegistry()
  const bus = createBusFromConfig({
    ...config.bus,
    clientId: `sillage-activation-${hostname()}-${process.pid}`,
    log: log.child({ component: 'bus' }),
  })
  const warehouse = createWarehouse({ ...config.clickhouse, dataDir: config.dataDir })
  const activation = createActivationStack({
    bus,
    warehouse,
    log,
    registry,
    cartAbandonment: config.cartAbandonment,
    activation: config.activation,
  })
  // The admin API only with the admin token: never open without one.
  const app = config.adminToken ? createActivationServer({ log }) : undefined
  if (app && config.adminToken) activation.registerAdminRoutes(app, { token: config.adminToken })
  else log.warn('admin API off (/admin/audiences): SILLAGE_ADMIN_TOKEN is not set')
  let started = false
  const ops = createOpsServer({
    registry,
    log: log.child({ component: 'ops' }),
    readiness: () => {
      const health = bus.health()
      return { ready: started && health.ready, started, bus: health }
    },
  })
  const metricsPort = await ops.listen(config.metrics.port, config.metrics.host)
  exitOnSignal({
    log,
    timeoutMs: config.shutdownTimeoutMs,
    async shutdown() {
      started = false
      await app?.close()
      await activation.stop()
      await bus.close()
      await warehouse.close()
      await ops.close()
    },
  })
  await migrate(warehouse, log.child({ component: 'migrate' }))
  await bus.ensureTopics(defaultTopicSpecs(config.bus.rawPartitions))
  activation.start()
  const { port, host } = config.http
  // A taken port or a wrong host: one SIL_LISTEN_FAILED line (exitOnStartupError), exit 1.
  const admin = app
    ? await listenOn(
        { variable: 'SILLAGE_ACTIVATION_PORT', hostVariable: 'SILLAGE_ACTIVATION_HOST', host, port },
        () => app.listen({ port, host }),
      )
    : undefined
  started = true
  log.info(
    {
      pid: process.pid,
      topicPrefix: config.bus.topicPrefix,
      brokers: config.bus.kafkaBrokers,
      warehouse: warehouse.kind,
      cartAbandonment: config.cartAbandonment.enabled,
      metrics: `http://${config.metrics.host}:${metricsPort}/metrics`,
      admin: admin ? `${admin}/admin/audiences` : 'off',
    },
    'activation started',
  )
}

main().catch((err: unknown) => exitOnStartupError(err, startedLog))
