import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from './logger.js'
import { Counter, createMetricsRegistry } from './metrics.js'
import { createOpsServer, type OpsServer } from './ops-server.js'

describe('ops server', () => {
  let server: OpsServer | undefined
  afterEach(async () => {
    await server?.close()
  })

  it('serves /healthz, /readyz from the readiness callback, and /metrics from the registry', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false })
    new Counter({ name: 'ops_test_total', help: 'a counter', registers: [registry] }).inc(3)
    let ready = false
    server = createOpsServer({
      registry,
      log: createLogger({ level: 'silent' }),
      readiness: () => ({ ready, consuming: ready }),
    })
    const port = await server.listen(0, '127.0.0.1')
    const url = `http://127.0.0.1:${port}`

    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true })
    const notReady = await fetch(`${url}/readyz`)
    expect(notReady.status).toBe(503)
    expect(await notReady.json()).toEqual({ ready: false, consuming: false })
    ready = true
    expect((await fetch(`${url}/readyz`)).status).toBe(200)
    const metrics = await fetch(`${url}/metrics`)
    expect(metrics.headers.get('content-type')).toContain('text/plain')
    expect(await metrics.text()).toContain('ops_test_total 3')
    expect((await fetch(`${url}/nope`)).status).toBe(404)
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405)
  })
})
