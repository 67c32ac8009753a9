import type { Clock } from './clock.js'
import { judgeNetworkError, judgeResponse, type Verdict } from './retry-policy.js'
import type { Transport } from './transport.js'

export interface SendBatchDeps {
  url: string
  transport: Transport
  clock: Clock
  compress: (body: string) => Promise<Uint8Array>
  headers: Readonly<Record<string, string>>
  timeoutMs: number
  signal: AbortSignal
}

/**
 * One attempt at one batch: the body from the events' JSON (serialised once, when queued) with a
 * fresh `sentAt`, so the collector's clock-skew correction holds on retries; `X-Retry-Count`;
 * gzip when asked. Resolves with the verdict on the answer; never rejects.
 */
export async function sendBatch(
  deps: SendBatchDeps,
  events: readonly string[],
  retries: number,
  gzip: boolean,
): Promise<Verdict> {
  const sentAt = new Date(deps.clock.now()).toISOString()
  const json = `{"batch":[${events.join(',')}],"sentAt":"${sentAt}"}`
  const headers: Record<string, string> = { ...deps.headers, 'x-retry-count': String(retries) }
  let body: string | Uint8Array = json
  if (gzip) {
    body = await deps.compress(json)
    headers['content-encoding'] = 'gzip'
  }
  let response
  try {
    response = await deps.transport.send({
      url: deps.url,
      method: 'POST',
      headers,
      body,
      timeoutMs: deps.timeoutMs,
      signal: deps.signal,
    })
  } catch (error) {
    return judgeNetworkError(error)
  }
  let text = ''
  try {
    text = await response.text()
  } catch {
    // A 2xx is durable even when its body is lost; other statuses are judged on the status.
  }
  return judgeResponse(response.status, text, response.headers.get('retry-after'), deps.clock.now())
}
