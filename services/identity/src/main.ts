#!/usr/bin/env node
/**
 * The standalone identity service (pipeline mode): Kafka events.raw in, ClickHouse out. Its
 * composition root: reads the config once, serves /metrics, /healthz and /readyz on
 * SILLAGE_METRICS_PORT, applies the migrations, joins the consumer group. On SIGTERM/SIGINT it
 * lets the batch in flight finish its inserts and commit its offsets, leaves the group (so the
 * other instances take its partitions over), then closes Kafka and ClickHouse.
 */
import { hostname } from 'node:os'
import { TOPICS, createBusFromConfig, defaultTopicSpecs, followTopic } from '@sillage/bus'
import { applySuppressionRecord, createSuppressionList } from '@sillage/schemas/suppression'
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
import { createIdentityService, type IdentityService } from './pipeline/identity-service.js'
import { createCartAbandonmentDetector, type CartAbandonmentDetector } from './pipeline/cart-abandonment.js'

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
  // eslint-disable-next-line prefer-const -- read by the shutdown handler, which may run before it is set
  let identity: IdentityService | undefined
  /** The Cart Abandoned detector, once started (docs/analysts.md). */
  const detectors: CartAbandonmentDetector[] = []
  /** The suppression follower, once started (docs/privacy.md). */
  const followers: Array<{ stop(): Promise<void> }> = []
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
      for (const detector of detectors) await detector.stop()
      await identity?.stop()
      for (const follower of followers) await follower.stop()
      await bus.close()
      await warehouse.close()
      await ops.close()
    },
  })
  await migrate(warehouse, log.child({ component: 'migrate' }))
  await bus.ensureTopics(defaultTopicSpecs(config.bus.rawPartitions))
  // Erased identifiers (docs/privacy.md): read whole before consuming, then followed.
  const suppressions = createSuppressionList()
  const suppressionFollower = await followTopic(bus, {
    topic: TOPICS.suppressions,
    groupPrefix: `${config.group}.suppressions`,
    onRecord: (record) => applySuppressionRecord(suppressions, record.key, record.value),
  })
  followers.push(suppressionFollower)
  await suppressionFollower.caughtUp
  identity = createIdentityService({
    bus,
    warehouse,
    log,
    registry,
    group: config.group,
    maxBatchRecords: config.maxBatchRecords,
    suppressions,
    rules: config.rules,
  })
  await identity.start()
  // Cart Abandoned (docs/analysts.md): stateless and idempotent, so every instance may run it;
  // SILLAGE_CART_ABANDONMENT=false on all but one saves the repeated queries.
  const cartAbandonment = createCartAbandonmentDetector({
    warehouse,
    bus,
    log,
    registry,
    options: config.cartAbandonment,
  })
  detectors.push(cartAbandonment)
  cartAbandonment.start()
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
