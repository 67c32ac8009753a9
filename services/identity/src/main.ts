#!/usr/bin/env node
/**
 * The standalone identity service (pipeline mode): Kafka events.raw in, ClickHouse out. Its
 * composition root: reads the config once, serves /metrics, /healthz and /readyz on
 * SILLAGE_METRICS_PORT, applies the migrations, joins the consumer group. On SIGTERM/SIGINT it
 * lets the batch in flight finish its inserts and commit its offsets, leaves the group (so the
 * other instances take its partitions over), then closes Kafka and ClickHouse.
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
import { loadIdentityConfig } from './config.js'
import { createIdentityStack, type IdentityStack } from './stack.js'

/** Set once the logger exists, so that a failed start is logged through it. */
let startedLog: Logger | undefined

async function main(): Promise<void> {
  const config = loadIdentityConfig()
  const log = createLogger({ level: config.logLevel, name: 'sillage-identity' })
  startedLog = log
  const registry = createMetricsRegistry()

  const bus = createBusFromConfig({
    ...config.bus,
    clientId: `sillage-identity-${hostname()}-${process.pid}`,
    log: log.child({ component: 'bus' }),
  })
  /** Identity's wiring, once created (the shutdown handler may run before). */
  // eslint-disable-next-line prefer-const -- read by the shutdown handler, which may run before it is set
  let identity: IdentityStack | undefined
  let consuming = false
  // Up first: /healthz answers while migrations run; /readyz only once the group is joined.
  const ops = createOpsServer({
    registry,
    log: log.child({ component: 'ops' }),
    readiness: () => {
      const health = bus.health()
      return { ready: consuming && health.ready, consuming, bus: health }
    },
  })
  const metricsPort = await ops.listen(config.metrics.port, config.metrics.host)

  const warehouse = createWarehouse({ ...config.clickhouse, dataDir: config.dataDir })
  exitOnSignal({
    log,
    timeoutMs: config.shutdownTimeoutMs,
    async shutdown() {
      consuming = false
      // Waits for the batch in flight: its inserts, then its offset commit; then leaves the group.
      await identity?.stop()
      await bus.close()
      await warehouse.close()
      await ops.close()
    },
  })
  await migrate(warehouse, log.child({ component: 'migrate' }))
  await bus.ensureTopics(defaultTopicSpecs(config.bus.rawPartitions))
  identity = createIdentityStack({
    bus,
    warehouse,
    log,
    registry,
    group: config.group,
    maxBatchRecords: config.maxBatchRecords,
    rules: config.rules,
  })
  await identity.start()
  consuming = true
  log.info(
    {
      pid: process.pid,
      group: config.group,
      topicPrefix: config.bus.topicPrefix,
      brokers: config.bus.kafkaBrokers,
      warehouse: warehouse.kind,
      metrics: `http://${config.metrics.host}:${metricsPort}/metrics`,
    },
    'identity started',
  )
}

main().catch((err: unknown) => exitOnStartupError(err, startedLog))
