import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  method: string
  /** The request target as it arrived (path and query, still percent-encoded). */
  url: string
}

export interface Answer {
  status: number
  body?: string
}

/**
 * A real HTTP server on 127.0.0.1 (a free port) that records each request's method and path, and
 * answers with `respond` (default: 200 `{"success":true}`). Close it after the test.
 */
export async function startRecordingServer(
  respond: (req: IncomingMessage) => Answer = () => ({ status: 200, body: '{"success":true}' }),
): Promise<{ origin: string; requests: RecordedRequest[]; close(): Promise<void> }> {
  const requests: RecordedRequest[] = []
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' })
    req.resume()
    req.on('end', () => {
      const { status, body = '' } = respond(req)
      res.writeHead(status, { 'content-type': 'application/json' }).end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((err) => (err ? reject(err) : resolve()))
      }),
  }
}
