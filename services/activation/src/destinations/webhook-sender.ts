import { setTimeout as sleep } from 'node:timers/promises'
import { backoffMs, signBody, SIGNATURE_HEADER } from '../domain/webhook-signature.js'

export type SendOutcome =
  | { ok: true; attempts: number; status: number }
  | { ok: false; attempts: number; reason: string; permanent: boolean }

export interface WebhookSenderOptions {
  url: string
  secret: string
  maxAttempts: number
  timeoutMs: number
  /** Base and cap of the exponential backoff. */
  baseBackoffMs?: number
  maxBackoffMs?: number
  fetch?: typeof fetch
  now?: () => number
  /** Waits between attempts; stops early when `signal` aborts (shutdown). */
  signal?: AbortSignal
}

/**
 * 408, 425, 429 and 5xx are worth retrying; another 4xx is the receiver refusing the batch. A 3xx
 * is not followed (a redirect would re-send the signed batch to another URL, or turn it into a
 * bodiless GET): it is a refusal that names the status, so the endpoint gets fixed.
 */
const retriable = (status: number) => status === 408 || status === 425 || status === 429 || status >= 500

/**
 * POSTs one signed batch, retrying with exponential backoff (honouring Retry-After) up to
 * maxAttempts. Each attempt is signed afresh (a new timestamp) and carries the same
 * Idempotency-Key, so a receiver that saw an earlier attempt can drop the repeat.
 */
export function createWebhookSender(opts: WebhookSenderOptions) {
  const doFetch = opts.fetch ?? fetch
  const now = opts.now ?? Date.now
  return async function send(body: string, idempotencyKey: string): Promise<SendOutcome> {
    let reason = ''
    for (let attempt = 1; attempt <= opts.maxAttempts; attempt++) {
      let retryAfter: string | null = null
      // The timeout, or shutdown: a receiver that never answers does not hold a stop. (Not
      // AbortSignal.any over AbortSignal.timeout: on Node 20 that timeout never fired for fetch.)
      const attemptAbort = new AbortController()
      const timer = setTimeout(
        () => attemptAbort.abort(new Error(`timed out after ${opts.timeoutMs} ms`)),
        opts.timeoutMs,
      )
      const onStop = () => attemptAbort.abort(new Error('shutting down'))
      opts.signal?.addEventListener('abort', onStop, { once: true })
      if (opts.signal?.aborted) onStop()
      try {
        const res = await doFetch(opts.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': idempotencyKey,
            [SIGNATURE_HEADER]: signBody(opts.secret, body, Math.floor(now() / 1000)),
            'user-agent': 'sillage-activation/0.1',
          },
          body,
          redirect: 'manual',
          signal: attemptAbort.signal,
        })
        // The status is the answer: the body is never read (an endless or stalled body would
        // hold memory and the run), only discarded.
        await res.body?.cancel().catch(() => undefined)
        if (res.ok) return { ok: true, attempts: attempt, status: res.status }
        reason =
          res.status >= 300 && res.status < 400
            ? `HTTP ${res.status}: redirects are not followed; configure the final URL`
            : `HTTP ${res.status}`
        if (!retriable(res.status)) return { ok: false, attempts: attempt, reason, permanent: true }
        retryAfter = res.headers.get('retry-after')
      } catch (err) {
        const cause = attemptAbort.signal.aborted ? attemptAbort.signal.reason : err
        reason = cause instanceof Error ? cause.message : String(cause)
      } finally {
        clearTimeout(timer)
        opts.signal?.removeEventListener('abort', onStop)
      }
      if (attempt === opts.maxAttempts || opts.signal?.aborted)
        return { ok: false, attempts: attempt, reason, permanent: false }
      const wait = backoffMs(attempt, {
        baseMs: opts.baseBackoffMs,
        maxMs: opts.maxBackoffMs,
        retryAfter,
        nowMs: now(),
      })
      await sleep(wait, undefined, opts.signal ? { signal: opts.signal } : {}).catch(() => undefined)
    }
    return { ok: false, attempts: opts.maxAttempts, reason, permanent: false }
  }
}

export type WebhookSender = ReturnType<typeof createWebhookSender>
