/**
 * What to do with a collector response: pure decisions, returned as values.
 *
 * - 2xx: the accepted events are durable; the ones listed in `rejected` are not (the collector
 *   dead-lettered them) and retrying would not change that.
 * - 408, 429, 5xx (except 501 and 505), network errors and timeouts: retry the same batch, same
 *   messageIds, after a back-off that honours `Retry-After`.
 * - 413: the batch is over the collector's limit; split it.
 * - 415 to a gzip body: the collector does not take gzip; send it plain.
 * - any other status: retrying cannot fix it; the events fail, except those a partial answer
 *   (`success: true`, `accepted`, `rejected`) confirms.
 */

export interface Rejection {
  index: number
  code: string
  message: string
}

export type Verdict =
  | { kind: 'accepted'; rejected: Rejection[] }
  | {
      kind: 'refused'
      status: number
      collectorCode?: string
      message: string
      rejected: Rejection[]
      /** A partial answer's `accepted` count (`success: true`): see batch-failures.ts. */
      accepted?: number
    }
  | { kind: 'too-large'; status: number; message: string }
  | { kind: 'unsupported-media-type'; status: number; message: string }
  | { kind: 'retry'; reason: string; status?: number; retryAfterMs?: number }

interface CollectorBody {
  success?: unknown
  accepted?: unknown
  code?: unknown
  message?: unknown
  rejected?: unknown
}

function parseBody(text: string): CollectorBody {
  try {
    const v: unknown = JSON.parse(text)
    return typeof v === 'object' && v !== null ? (v as CollectorBody) : {}
  } catch {
    return {}
  }
}

function rejections(body: CollectorBody): Rejection[] {
  if (!Array.isArray(body.rejected)) return []
  const out: Rejection[] = []
  for (const r of body.rejected as unknown[]) {
    if (typeof r !== 'object' || r === null) continue
    const { index, code, message } = r as Record<string, unknown>
    if (typeof index !== 'number') continue
    out.push({ index, code: String(code ?? 'unknown'), message: String(message ?? '') })
  }
  return out
}

const RETRIABLE_4XX = new Set([408, 429])
const FINAL_5XX = new Set([501, 505])

export function judgeResponse(status: number, text: string, retryAfter: string | null, now: number): Verdict {
  const body = parseBody(text)
  const collectorCode = typeof body.code === 'string' ? body.code : undefined
  const message = typeof body.message === 'string' ? body.message : `HTTP ${status}`
  if (status >= 200 && status < 300) return { kind: 'accepted', rejected: rejections(body) }
  if (status === 413) return { kind: 'too-large', status, message }
  if (status === 415) return { kind: 'unsupported-media-type', status, message }
  if (RETRIABLE_4XX.has(status) || (status >= 500 && !FINAL_5XX.has(status))) {
    const retryAfterMs = parseRetryAfter(retryAfter, now)
    const reason = collectorCode ? `HTTP ${status} ${collectorCode}` : `HTTP ${status}`
    return retryAfterMs === undefined
      ? { kind: 'retry', reason, status }
      : { kind: 'retry', reason, status, retryAfterMs }
  }
  const refused: Verdict = { kind: 'refused', status, message, rejected: rejections(body) }
  if (collectorCode !== undefined) refused.collectorCode = collectorCode
  if (body.success === true && typeof body.accepted === 'number') refused.accepted = body.accepted
  return refused
}

/** No response at all: connection refused or reset, DNS, timeout. Always worth a retry. */
export function judgeNetworkError(error: unknown): Verdict {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause
  const code = typeof cause?.code === 'string' ? ` (${cause.code})` : ''
  const reason = error instanceof Error ? `${error.name}: ${error.message}${code}` : String(error)
  return { kind: 'retry', reason }
}

/** `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

export interface BackoffParams {
  /** 1 for the first retry. */
  retry: number
  baseMs: number
  maxMs: number
  retryAfterMs?: number | undefined
  maxRetryAfterMs: number
  /** In [0, 1). */
  random: number
}

/**
 * Exponential back-off with "equal jitter": half the step is fixed, half random, so successive
 * delays grow while clients that failed together spread out. A `Retry-After` is a floor (capped
 * at maxRetryAfterMs), with up to 10 % added so that a crowd told "5 s" does not return at once.
 */
export function backoffDelay(p: BackoffParams): number {
  const step = Math.min(p.maxMs, p.baseMs * 2 ** Math.min(p.retry - 1, 30))
  const jittered = step / 2 + (p.random * step) / 2
  if (p.retryAfterMs === undefined) return Math.round(jittered)
  const floor = Math.min(p.retryAfterMs, p.maxRetryAfterMs)
  return Math.round(Math.max(jittered, floor * (1 + 0.1 * p.random)))
}
