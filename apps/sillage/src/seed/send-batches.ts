/** What the collector answered for the events of one run. */
export interface SendResult {
  accepted: number
  rejected: Array<{ code: string; message: string }>
}

export interface SendOptions {
  url: string
  writeKey: string
  /** Events per request (the collector's limit is 500 KB per batch). */
  batchSize?: number
  /** Requests in flight. */
  concurrency?: number
  onProgress?: (sent: number) => void
}

interface BatchResponse {
  accepted?: number
  rejected?: Array<{ code?: string; message?: string }>
  code?: string
  message?: string
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Sends events through the collector's public API (`POST /v1/batch`, Basic auth with a server
 * write key), in order, a few batches in flight. A 429 or 503 is retried after its `Retry-After`,
 * as the SDKs do; any other refusal stops the run with the collector's code and message.
 */
export async function sendBatches(events: readonly unknown[], opts: SendOptions): Promise<SendResult> {
  const size = opts.batchSize ?? 250
  const auth = `Basic ${Buffer.from(`${opts.writeKey}:`).toString('base64')}`
  const result: SendResult = { accepted: 0, rejected: [] }
  let next = 0
  let sent = 0

  async function post(batch: readonly unknown[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${opts.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
      })
      const body = (await res.json().catch(() => ({}))) as BatchResponse
      if ((res.status === 429 || res.status === 503) && attempt < 20) {
        await wait(Math.min(5, Number(res.headers.get('retry-after') ?? 1) || 1) * 1000)
        continue
      }
      if (res.ok || (res.status === 400 && body.code === 'SIL_BATCH_ALL_REJECTED')) {
        result.accepted += body.accepted ?? 0
        for (const r of body.rejected ?? [])
          result.rejected.push({ code: r.code ?? '', message: r.message ?? '' })
        return
      }
      throw new Error(
        `the collector at ${opts.url} refused a batch (${res.status} ${body.code ?? ''}): ${body.message ?? ''}`,
      )
    }
  }

  async function worker(): Promise<void> {
    while (next < events.length) {
      const batch = events.slice(next, next + size)
      next += size
      await post(batch)
      sent += batch.length
      opts.onProgress?.(sent)
    }
  }
  await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, () => worker()))
  return result
}
