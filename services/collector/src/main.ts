#!/usr/bin/env node
/**
 * The standalone collector (pipeline mode): HTTP in, Kafka out. Its composition root: reads the
 * config once, builds the bus and the app, listens, and on SIGTERM/SIGINT stops accepting
 * connections, lets the requests in flight finish (each awaits its Kafka ack, bounded by
 * SILLAGE_PRODUCE_TIMEOUT_MS), then disconnects the producer and exits. `sillage start` is the
 * embedded composition root (apps/sillage/src/start.ts).
 */
import { hostname } from 'node:os'
import { createBusFromConfig, defaultTopicSpecs, type Bus } from '@sillage/bus'
import {
  createLogger,
  createMetricsRegistry,
  exitOnSignal,
  exitOnStartupError,
  listenOn,
  type Logger,
} from '@sillage/runtime'
import { createCollectorStack } from './stack.js'
import { loadCollectorServiceConfig } from './config.js'

/** Set once the logger exists, so that a failed start is logged through it. */
let startedLog: Logger | undefined

async function main(): Promise<void> {
  const config = loadCollectorServiceConfig()
  const log = createLogger({ level: config.collector.logLevel, name: 'sillage-collector' })
  startedLog = log
  const registry = createMetricsRegistry()
  const bus: Bus = createBusFromConfig({
    ...config.bus,
    clientId: `sillage-collector-${hostname()}-${process.pid}`,
    log: log.child({ component: 'bus' }),
  })
  // Both services ensure the topics, so either may start first; existing topics are left as they are.
  await bus.ensureTopics(defaultTopicSpecs(config.bus.rawPartitions))

  const collector = await createCollectorStack({
    config: config.collector,
    sources: config.collector.sources,
    bus,
    log,
    registry,
  })
  exitOnSignal({
    log,
    timeoutMs: config.shutdownTimeoutMs,
    async shutdown() {
      // Refuses new connections (and answers 503 on kept-alive ones), waits for the requests in
      // flight: each of them has its Kafka ack or its 503 before the producer goes.
      await collector.close()
      await bus.close()
    },
  })
  const { port, host } = config.collector
  // A taken port or a wrong host: one SIL_LISTEN_FAILED line (exitOnStartupError), exit 1.
  const address = await listenOn({ variable: 'SILLAGE_PORT', hostVariable: 'SILLAGE_HOST', host, port }, () =>
    collector.app.listen({ port, host }),
  )
  log.info(
    {
      address,
      pid: process.pid,
      brokers: config.bus.kafkaBrokers,
      topicPrefix: config.bus.topicPrefix,
      sources: config.collector.sources.length,
    },
    'collector started',
  )
}

main().catch((err: unknown) => exitOnStartupError(err, startedLog))
