#!/usr/bin/env node
/**
 * The standalone activation service (pipeline mode): looks in ClickHouse, produces to Kafka
 * (today the Cart Abandoned detector; later audiences, triggers and destinations). Its
 * composition root: reads the config once, serves /metrics, /healthz and /readyz on
 * SILLAGE_METRICS_PORT, applies the migrations, starts; on SIGTERM/SIGINT lets a look in
 * progress finish, then closes Kafka and ClickHouse.
 */
import { hostname } from 'node:os'
import { createBusFromConfig, defaultTopicSpecs } from '@sillage/bus'
import {
  createLogger,
  createMetricsRegistry,
  createOpsServer,
  exitOnSignal,
  exitOnStartupError,
  type Logger,
} from '@sillage/runtime'
import { createWarehouse, migrate } from '@sillage/warehouse'
import { loadActivationConfig } from './config.js'
import { createActivationStack } from './stack.js'

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
      await activation.stop()
      await bus.close()
      await warehouse.close()
      await ops.close()
    },
  })
  await migrate(warehouse, log.child({ component: 'migrate' }))
  await bus.ensureTopics(defaultTopicSpecs(config.bus.rawPartitions))
  activation.start()
  started = true
  log.info(
    {
      pid: process.pid,
      topicPrefix: config.bus.topicPrefix,
      brokers: config.bus.kafkaBrokers,
      warehouse: warehouse.kind,
      cartAbandonment: config.cartAbandonment.enabled,
      metrics: `http://${config.metrics.host}:${metricsPort}/metrics`,
    },
    'activation started',
  )
}

main().catch((err: unknown) => exitOnStartupError(err, startedLog))
