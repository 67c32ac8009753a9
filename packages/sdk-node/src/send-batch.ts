import type { Clock, TimerHandle } from './clock.js'
import { readCapped } from './read-body.js'
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
 * gzip when asked; `timeoutMs` enforced by the SDK too. Resolves with the verdict on the answer;
 * never rejects.
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
  // The deadline is the SDK's own, not only the transport's: an application's transport that
  // ignores `timeoutMs` (or a body that never ends) must not hold the batch, flush() and close().
  const local = new AbortController()
  let timer: TimerHandle | undefined
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = deps.clock.setTimer(() => {
      local.abort(new DOMException(`no answer within ${deps.timeoutMs} ms`, 'TimeoutError'))
      resolve('timeout')
    }, deps.timeoutMs)
  })
  try {
    let response
    try {
      const sent = await Promise.race([
        deps.transport.send({
          url: deps.url,
          method: 'POST',
          headers,
          body,
          timeoutMs: deps.timeoutMs,
          signal: AbortSignal.any([deps.signal, local.signal]),
        }),
        deadline,
      ])
      if (sent === 'timeout')
        return { kind: 'retry', reason: `TimeoutError: no answer within ${deps.timeoutMs} ms` }
      response = sent
    } catch (error) {
      return judgeNetworkError(error)
    }
    let text = ''
    try {
      // At most 1 MiB is read (read-body.ts), within the same deadline: past either, the body
      // counts as lost.
      text = (await Promise.race([readCapped(response), deadline.then(() => undefined)])) ?? ''
    } catch {
      // A 2xx is durable even when its body is lost; other statuses are judged on the status.
    }
    return judgeResponse(response.status, text, response.headers.get('retry-after'), deps.clock.now())
  } finally {
    timer?.cancel()
  }
}
