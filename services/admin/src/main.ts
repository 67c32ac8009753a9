#!/usr/bin/env node
/**
 * The standalone admin service (pipeline mode): `/admin/privacy/*` over Kafka and ClickHouse, on
 * its own port, for operators only (SILLAGE_ADMIN_TOKEN). Its composition root: reads the config
 * once, applies the migrations and the retention TTLs, serves; on SIGTERM/SIGINT lets the requests
 * in flight finish, then closes Kafka and ClickHouse. `sillage start` registers the same routes on
 * its collector instead.
 */
import { hostname } from 'node:os'
import { createBusFromConfig, defaultTopicSpecs } from '@sillage/bus'
import { createLogger, exitOnSignal, exitOnStartupError, type Logger } from '@sillage/runtime'
import { applyRetention, createWarehouse, migrate } from '@sillage/warehouse'
import { loadAdminConfig } from './config.js'
import { createAdminStack } from './stack.js'

/** Set once the logger exists, so that a failed start is logged through it. */
let startedLog: Logger | undefined

async function main(): Promise<void> {
  const config = loadAdminConfig()
  const log = createLogger({ level: config.logLevel, name: 'sillage-admin' })
  startedLog = log
  const bus = createBusFromConfig({
    ...config.bus,
    clientId: `sillage-admin-${hostname()}-${process.pid}`,
    log: log.child({ component: 'bus' }),
  })
  const warehouse = createWarehouse({ ...config.clickhouse, dataDir: config.dataDir })
  const { app } = createAdminStack({
    warehouse,
    bus,
    log,
    token: config.adminToken,
    identityRules: config.identityRules,
    identityGroup: config.identityGroup,
  })
  exitOnSignal({
    log,
    timeoutMs: config.shutdownTimeoutMs,
    async shutdown() {
      await app.close()
      await bus.close()
      await warehouse.close()
    },
  })
  await migrate(warehouse, log.child({ component: 'migrate' }))
  await applyRetention(warehouse, config.retention, log.child({ component: 'retention' }))
  await bus.ensureTopics(defaultTopicSpecs(config.bus.rawPartitions))

  const address = await app.listen({ port: config.port, host: config.host })
  log.info({ address, pid: process.pid, topicPrefix: config.bus.topicPrefix }, 'admin started')
}

main().catch((err: unknown) => exitOnStartupError(err, startedLog))
