/**
 * The standalone admin service's metrics (main.ts wires them so): its stack, given the process's
 * registry, counts erasures, exports and suppressions, and the operations server serves them with
 * the default process metrics on /metrics. Real chDB, the local bus.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalBus, defaultTopicSpecs, type Bus } from '@sillage/bus'
import {
  createLogger,
  createMetricsRegistry,
  createOpsServer,
  type OpsServer,
  type Registry,
} from '@sillage/runtime'
import { createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { createAdminStack, type AdminStack } from './stack.js'

const TOKEN = 'admin-token-0123456789abcdef'
const dir = mkdtempSync(join(tmpdir(), 'sillage-admin-stack-'))
let warehouse: Warehouse
let bus: Bus
let registry: Registry
let stack: AdminStack
let ops: OpsServer
let metricsUrl: string

beforeAll(async () => {
  warehouse = createWarehouse({ database: 'sillage', dataDir: join(dir, 'ch') })
  await migrate(warehouse)
  bus = createLocalBus({ dir: join(dir, 'bus') })
  await bus.ensureTopics(defaultTopicSpecs(1))
  registry = createMetricsRegistry()
  const log = createLogger({ level: 'silent' })
  stack = createAdminStack({ warehouse, bus, log, registry, token: TOKEN, drainTimeoutMs: 1_000 })
  ops = createOpsServer({ registry, log, readiness: () => ({ ready: true }) })
  metricsUrl = `http://127.0.0.1:${await ops.listen(0, '127.0.0.1')}/metrics`
})

afterAll(async () => {
  await ops?.close()
  await stack?.app.close()
  await bus?.close()
  await warehouse?.close()
  rmSync(dir, { recursive: true, force: true })
})

const post = (url: string, payload: object) =>
  stack.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${TOKEN}` }, payload })

describe('the admin service on /metrics', () => {
  it('serves its erasure, export and suppression metrics with the process metrics', async () => {
    const erased = await post('/admin/privacy/erasure', { type: 'email', value: 'Erase.Me@example.com' })
    expect(erased.statusCode).toBe(200)
    expect((await post('/admin/privacy/erasure', { type: 'email', value: 'not an email' })).statusCode).toBe(
      400,
    )
    const exported = await post('/admin/privacy/export', { type: 'email', value: 'nobody@example.com' })
    expect(exported.statusCode).toBe(404)

    const res = await fetch(metricsUrl)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/plain')
    const text = await res.text()
    expect(text).toContain('# TYPE sillage_admin_erasures_total counter')
    expect(text).toMatch(/^sillage_admin_erasures_total\{outcome="completed"\} 1$/m)
    expect(text).toMatch(/^sillage_admin_erasures_total\{outcome="invalid"\} 1$/m)
    expect(text).toMatch(/^sillage_admin_erasure_duration_seconds_count\{outcome="completed"\} 1$/m)
    expect(text).toMatch(/^sillage_admin_exports_total\{outcome="not_found"\} 1$/m)
    expect(text).toMatch(/^sillage_admin_export_duration_seconds_count\{outcome="not_found"\} 1$/m)
    expect(text).toMatch(/^sillage_admin_suppressions_written_total 1$/m)
    // The default process metrics, prefixed like every service's.
    expect(text).toMatch(/^sillage_process_cpu_user_seconds_total /m)
    expect(text).toMatch(/^sillage_nodejs_eventloop_lag_seconds /m)
  })
})
