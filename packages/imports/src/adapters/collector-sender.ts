/** What the collector said about one batch. */
export interface SendResult {
  accepted: number
  /** Indexes into the batch sent, with the collector's code and message. */
  rejected: Array<{ index: number; code: string; message: string }>
}

export interface CollectorSender {
  /** Events already serialised as JSON (one string each): the batch body is their concatenation. */
  send(events: readonly string[]): Promise<SendResult>
}

export interface CollectorSenderOptions {
  /** The collector's base URL, e.g. http://127.0.0.1:8080. */
  url: string
  /** A server source's write key (secret). */
  writeKey: string
  /** Attempts on 503 / 429 / network errors before giving up. Default 30. */
  maxAttempts?: number
  /** Injected in unit tests. */
  fetch?: typeof fetch
  /** Waits between attempts (injected in unit tests). */
  delay?: (ms: number) => Promise<void>
}

/** A refused import: the collector answered with something a retry cannot fix. */
export class CollectorSendError extends Error {
  readonly code = 'SIL_IMPORT_COLLECTOR_FAILED'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CollectorSendError'
  }
}

interface BatchAnswer {
  accepted?: number
  rejected?: Array<{ index: number; code: string; message: string }>
  code?: string
  message?: string
}

/** An event the collector cannot take even alone: its row is refused, the import goes on. */
export const ROW_TOO_LARGE = 'SIL_IMPORT_ROW_TOO_LARGE'

const TOO_LARGE = Symbol('413')

/**
 * Sends mapped rows through the collector's Segment endpoint (`/v1/import`), so they get the same
 * validation, dead letters and deduplication as live events. No `sentAt`: a historical timestamp
 * is kept as given, not corrected for clock skew. Retries (same messageIds) while the collector
 * answers 503 or 429, honouring Retry-After. A batch the collector finds too large (413, over its
 * SILLAGE_MAX_BATCH_BYTES) is sent again in halves, and later batches are cut under that size; an
 * event too large alone is a refusal of its row (SIL_IMPORT_ROW_TOO_LARGE), not a stopped import.
 */
export function createCollectorSender(options: CollectorSenderOptions): CollectorSender {
  const doFetch = options.fetch ?? fetch
  const delay = options.delay ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const maxAttempts = options.maxAttempts ?? 30
  const endpoint = `${options.url.replace(/\/$/, '')}/v1/import`
  const authorization = `Basic ${Buffer.from(`${options.writeKey}:`).toString('base64')}`
  /** The smallest body the collector answered 413 to: larger batches are split before sending. */
  let refusedBytes = Infinity

  async function post(body: string, count: number): Promise<SendResult | typeof TOO_LARGE> {
    for (let attempt = 1; ; attempt++) {
      let status = 0
      let answer: BatchAnswer = {}
      let retryAfter = 0
      try {
        const res = await doFetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization },
          body,
        })
        status = res.status
        retryAfter = Number(res.headers.get('retry-after')) || 0
        const text = await res.text()
        answer = text ? (JSON.parse(text) as BatchAnswer) : {}
      } catch (cause) {
        if (attempt >= maxAttempts)
          throw new CollectorSendError(`collector unreachable at ${endpoint}`, { cause })
      }
      if (status >= 200 && status < 300) {
        return { accepted: answer.accepted ?? count, rejected: answer.rejected ?? [] }
      }
      if (status === 400 && answer.code === 'SIL_BATCH_ALL_REJECTED') {
        return { accepted: 0, rejected: answer.rejected ?? [] }
      }
      if (status === 413) return TOO_LARGE
      const retriable = status === 0 || status === 429 || status === 503 || status === 502 || status === 504
      if (!retriable || attempt >= maxAttempts) {
        throw new CollectorSendError(
          `collector answered ${status}: ${answer.code ?? ''} ${answer.message ?? ''}`.trim(),
        )
      }
      await delay(retryAfter > 0 ? retryAfter * 1000 : Math.min(5000, 100 * 2 ** attempt))
    }
  }

  async function send(events: readonly string[]): Promise<SendResult> {
    const body = `{"batch":[${events.join(',')}]}`
    const bytes = Buffer.byteLength(body)
    const sent = events.length > 1 && bytes >= refusedBytes ? TOO_LARGE : await post(body, events.length)
    if (sent !== TOO_LARGE) return sent
    refusedBytes = Math.min(refusedBytes, bytes)
    if (events.length === 1) {
      const message = `the event is ${bytes} bytes with its batch envelope, more than the collector takes in one request (SILLAGE_MAX_BATCH_BYTES)`
      return { accepted: 0, rejected: [{ index: 0, code: ROW_TOO_LARGE, message }] }
    }
    // In order, one half after the other: the indexes of the second half follow the first's.
    const mid = Math.ceil(events.length / 2)
    const first = await send(events.slice(0, mid))
    const second = await send(events.slice(mid))
    return {
      accepted: first.accepted + second.accepted,
      rejected: [...first.rejected, ...second.rejected.map((r) => ({ ...r, index: r.index + mid }))],
    }
  }

  return { send }
}
