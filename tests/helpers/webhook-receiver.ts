/** A webhook receiver on 127.0.0.1 for the activation tests: records every request it gets. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedRequest {
  body: string
  json: { items?: Array<Record<string, unknown>> } & Record<string, unknown>
  signature: string | undefined
  idempotencyKey: string | undefined
  receivedAt: number
}

export interface Receiver {
  url: string
  requests: ReceivedRequest[]
  close(): Promise<void>
}

/** `respond` decides each answer (default 200); `after` runs once the answer is sent. */
export async function startReceiver(
  opts: {
    respond?: (req: ReceivedRequest, n: number) => { status: number; headers?: Record<string, string> }
    after?: (req: ReceivedRequest, n: number) => void
  } = {},
): Promise<Receiver> {
  const requests: ReceivedRequest[] = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const r: ReceivedRequest = {
        body,
        json: JSON.parse(body) as ReceivedRequest['json'],
        signature: req.headers['x-sillage-signature'] as string | undefined,
        idempotencyKey: req.headers['idempotency-key'] as string | undefined,
        receivedAt: Date.now(),
      }
      requests.push(r)
      const n = requests.length
      const answer = opts.respond?.(r, n) ?? { status: 200 }
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
      res.end('{}', () => opts.after?.(r, n))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
