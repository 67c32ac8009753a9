/**
 * The webhook signature (docs/activation.md), Stripe's scheme:
 *
 *   X-Sillage-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * A receiver recomputes the HMAC over the raw body bytes, compares in constant time, and refuses
 * a timestamp older than its tolerance (5 minutes by default) against replays. Pure (node:crypto).
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

export const SIGNATURE_HEADER = 'x-sillage-signature'

export function signBody(secret: string, body: string | Buffer, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.`).update(body).digest('hex')
  return `t=${unixSeconds},v1=${mac}`
}

/** Whether a header is a valid signature of the body, made within toleranceSeconds of now. */
export function verifySignature(
  secret: string,
  body: string | Buffer,
  header: string | undefined,
  opts: { nowSeconds?: number; toleranceSeconds?: number } = {},
): boolean {
  if (!header) return false
  const parts = new Map(
    header.split(',').map((kv) => {
      const i = kv.indexOf('=')
      return [kv.slice(0, i).trim(), kv.slice(i + 1).trim()] as const
    }),
  )
  const t = Number(parts.get('t'))
  const v1 = parts.get('v1') ?? ''
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(v1)) return false
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000)
  if (Math.abs(now - t) > (opts.toleranceSeconds ?? 300)) return false
  const expected = Buffer.from(signBody(secret, body, t).slice(`t=${t},v1=`.length), 'hex')
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'))
}

/**
 * How long to wait before attempt `attempt` (1-based retries): exponential from baseMs, capped,
 * with jitter from `random`; a Retry-After (seconds or HTTP date, up to 5 minutes) wins when it
 * is longer.
 */
export function backoffMs(
  attempt: number,
  opts: {
    baseMs?: number
    maxMs?: number
    retryAfter?: string | null
    nowMs?: number
    random?: () => number
  } = {},
): number {
  const base = opts.baseMs ?? 500
  const max = opts.maxMs ?? 60_000
  const exp = Math.min(max, base * 2 ** Math.max(0, attempt - 1))
  const jittered = Math.round(exp / 2 + (exp / 2) * (opts.random ?? Math.random)())
  let after = 0
  if (opts.retryAfter) {
    const seconds = Number(opts.retryAfter)
    if (Number.isFinite(seconds)) after = seconds * 1000
    else {
      const at = Date.parse(opts.retryAfter)
      if (Number.isFinite(at)) after = at - (opts.nowMs ?? Date.now())
    }
  }
  // A Retry-After is honoured up to 5 minutes: a longer one (10^9 s) waits 5 minutes, and a
  // negative, past or unparsable one falls back to the backoff. The wait holds only this
  // destination's lane (destinations/destination-lanes.ts) and ends at shutdown.
  return Math.max(jittered, Math.min(after, 300_000))
}
