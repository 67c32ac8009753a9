import { readMergedDefinitions } from '@sillage/activation'
import type { AudienceSummary } from '@sillage/dashboard'
import {
  createMetricsRegistry,
  createOpsServer,
  listenOn,
  type Logger,
  type Registry,
} from '@sillage/runtime'
import { checkServerVersion, createWarehouse, type Warehouse } from '@sillage/warehouse'
import type { DashboardServerConfig } from './config.js'
import { createDashboardServer } from './server.js'

export interface DashboardServerDeps {
  config: Readonly<DashboardServerConfig>
  log: Logger
  /** Default: a new one, whose process metrics /metrics serves too. */
  registry?: Registry
  /** Default: the ClickHouse server of the config (closed with the process); tests pass chDB. */
  warehouse?: Warehouse
}

export interface DashboardProcess {
  /** Where `/dashboard/` is served: `http://host:port` (the bound port, when the config says 0). */
  url: string
  /** Where `/metrics`, `/healthz` and `/readyz` are served. */
  metricsUrl: string
  /** Stops accepting, lets the requests in flight finish, then closes the ops port and ClickHouse. */
  close(): Promise<void>
}

/**
 * The composition root of `sillage dashboard` (pipeline mode): the operations port first (so that
 * /healthz answers while it starts), the server's version checked (SIL_CLICKHOUSE_TOO_OLD), then
 * `/dashboard/` served. The audiences are the activation file's and the admin API's, merged as
 * activation runs them (what `sillage start` passes). It applies no migration: the services that
 * write (identity, admin) do.
 */
export async function startDashboardServer(deps: DashboardServerDeps): Promise<DashboardProcess> {
  const { config, log } = deps
  const registry = deps.registry ?? createMetricsRegistry()
  const warehouse = deps.warehouse ?? createWarehouse({ ...config.clickhouse, dataDir: config.dataDir })
  let ready = false
  const ops = createOpsServer({
    registry,
    log: log.child({ component: 'ops' }),
    readiness: () => ({ ready }),
  })
  const audiences = async (): Promise<readonly AudienceSummary[]> => {
    const defs = await readMergedDefinitions({ warehouse, file: config.audiencesFile })
    return defs.audiences.map((a) => ({ ...a, source: defs.origins.get(a.id)?.source }))
  }
  const app = createDashboardServer({
    warehouse,
    log,
    registry,
    trustProxy: config.trustProxy,
    adminToken: config.adminToken,
    analystToken: config.analystToken,
    audiences,
  })
  const close = async (): Promise<void> => {
    ready = false
    await app.close()
    await ops.close()
    if (!deps.warehouse) await warehouse.close()
  }
  try {
    const metricsPort = await ops.listen(config.metrics.port, config.metrics.host)
    const version = await checkServerVersion(warehouse)
    const { port, host } = config
    const url = await listenOn(
      { variable: 'SILLAGE_DASHBOARD_PORT', hostVariable: 'SILLAGE_DASHBOARD_HOST', host, port },
      () => app.listen({ port, host }),
    )
    ready = true
    const metricsUrl = `http://${config.metrics.host}:${metricsPort}`
    log.info(
      { url: `${url}/dashboard/`, metrics: `${metricsUrl}/metrics`, clickhouse: version },
      'dashboard started',
    )
    return { url, metricsUrl, close }
  } catch (err) {
    await close()
    throw err
  }
}
