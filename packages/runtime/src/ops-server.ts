import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import { listenOn } from './listen-error.js'
import type { Logger } from './logger.js'

export interface Readiness {
  ready: boolean
  [detail: string]: unknown
}

export interface OpsServerDeps {
  registry: Registry
  /** Called on each GET /readyz: 200 when ready, 503 otherwise; the object is the JSON body. */
  readiness: () => Readiness
  log: Logger
}

export interface OpsServer {
  /**
   * Resolves with the bound port (0 picks a free one). A port or host it cannot listen on rejects
   * with a ListenError naming SILLAGE_METRICS_PORT or SILLAGE_METRICS_HOST, the variables it is
   * set with in every process that serves it.
   */
  listen(port: number, host: string): Promise<number>
  close(): Promise<void>
}

/**
 * The operations endpoints of a process that serves no other HTTP (identity): `/healthz` (the
 * process runs), `/readyz` (it can do its work) and `/metrics` (Prometheus). node:http, no framework.
 */
export function createOpsServer(deps: OpsServerDeps): OpsServer {
  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
    res.end(JSON.stringify(body))
  }
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'method not allowed' })
    switch (path) {
      case '/healthz':
        return json(res, 200, { ok: true })
      case '/readyz': {
        const readiness = deps.readiness()
        return json(res, readiness.ready ? 200 : 503, readiness)
      }
      case '/metrics': {
        const text = await deps.registry.metrics()
        res.writeHead(200, { 'content-type': deps.registry.contentType })
        res.end(text)
        return
      }
      default:
        return json(res, 404, { error: 'not found' })
    }
  }
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      deps.log.error({ err, url: req.url }, 'ops endpoint failed')
      if (!res.headersSent) json(res, 500, { error: 'internal error' })
      else res.destroy()
    })
  })
  // Scrapes are short; idle keep-alive sockets must not hold close() up.
  server.keepAliveTimeout = 5_000

  return {
    listen: (port, host) =>
      listenOn(
        { variable: 'SILLAGE_METRICS_PORT', hostVariable: 'SILLAGE_METRICS_HOST', host, port },
        () =>
          new Promise<number>((resolve, reject) => {
            server.once('error', reject)
            server.listen(port, host, () => {
              server.off('error', reject)
              resolve((server.address() as AddressInfo).port)
            })
          }),
      ),
    close: () =>
      new Promise((resolve) => {
        if (!server.listening) return resolve()
        server.close(() => resolve())
        server.closeIdleConnections()
      }),
  }
}
