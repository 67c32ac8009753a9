import { lookup as dnsLookup } from 'node:dns/promises'
import type { LookupAddress, LookupOptions } from 'node:dns'
import { isIP } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { Agent, fetch as undiciFetch } from 'undici'
import { ADDRESS_REFUSED, isRefusedAddress } from '../domain/destination-target.js'
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
  /**
   * The host's addresses, for the check before the batch and for the connection itself (tests
   * inject a name resolving to 169.254.169.254, or one that changes its answer).
   */
  lookup?: (hostname: string) => Promise<string[]>
}

type HostLookup = (hostname: string) => Promise<string[]>

const systemLookup: HostLookup = async (hostname: string) =>
  (await dnsLookup(hostname, { all: true })).map((a) => a.address)

/** The error a connection gets when its host resolves, at connect time, to a refused address. */
class AddressRefusedError extends Error {
  readonly code = ADDRESS_REFUSED
  constructor(readonly address: string) {
    super(`the host resolves to ${address}, a link-local or cloud metadata address; not sent`)
    this.name = 'AddressRefusedError'
  }
}

type LookupCallback = (err: Error | null, address: string | LookupAddress[], family?: number) => void

/**
 * The `lookup` of the socket itself (net/tls.connect's option), so the address checked is the
 * address connected to: a DNS answer that changes between the check before the batch and the
 * connection (DNS rebinding) cannot reach 169.254.169.254. Any refused address in the answer
 * refuses the connection, as the check before the batch does. Only the IP is pinned: TLS still
 * sends the hostname as SNI and verifies the certificate against it.
 */
function pinnedLookup(lookup: HostLookup) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    lookup(hostname).then(
      (found) => {
        const refused = found.find(isRefusedAddress)
        if (refused !== undefined) return callback(new AddressRefusedError(refused), '')
        const addresses = found
          .map((address) => ({ address, family: isIP(address) }))
          .filter((a) => a.family !== 0 && (!options.family || a.family === options.family))
        const first = addresses[0]
        if (first === undefined)
          return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '')
        if (options.all === true) callback(null, addresses)
        else callback(null, first.address, first.family)
      },
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), ''),
    )
  }
}

/**
 * One connection pool per look-up function (the system's, created once; a test's own): senders
 * are made per batch, and a pool per sender would leave its keep-alive sockets behind.
 */
const agents = new WeakMap<HostLookup, Agent>()
function pinnedFetch(lookup: HostLookup): typeof fetch {
  let agent = agents.get(lookup)
  if (agent === undefined) {
    agent = new Agent({ connect: { lookup: pinnedLookup(lookup) } })
    agents.set(lookup, agent)
  }
  const dispatcher = agent
  return ((input: string | URL, init?: RequestInit) =>
    undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch
}

/** The refused address when a failed attempt's cause is the connect-time refusal. */
function connectRefusal(err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++)
    if (e instanceof AddressRefusedError) return `${ADDRESS_REFUSED}: ${e.message}`
  return undefined
}

/**
 * Why an attempt failed, for the dead letter and the ledger: fetch's "fetch failed" alone did not
 * tell a refused connection from a reset or an unknown host, so the cause's code and message are
 * added (they name the host and port, never the URL's path or query).
 */
function failureReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined
  const detail = [cause?.code, cause?.message].filter((x) => typeof x === 'string' && x !== '')
  return (detail.length > 0 ? `${err.message}: ${[...new Set(detail)].join(' ')}` : err.message).slice(0, 300)
}

/**
 * The refusal when the URL's host resolves to a link-local or metadata address (a DNS name
 * pointed at 169.254.169.254): permanent, nothing sent. A failed look-up is left to fetch, which
 * fails and is retried as any network error.
 */
async function addressRefusal(url: string, lookup: (h: string) => Promise<string[]>, timeoutMs: number) {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '')
  let timer: NodeJS.Timeout | undefined
  // Bounded like an attempt: a resolver that never answers leaves the look-up to fetch.
  const addresses =
    isIP(host) !== 0
      ? [host]
      : await Promise.race([
          lookup(host).catch(() => []),
          new Promise<string[]>((r) => (timer = setTimeout(() => r([]), timeoutMs))),
        ]).finally(() => clearTimeout(timer))
  const refused = addresses.find(isRefusedAddress)
  return refused === undefined
    ? undefined
    : `${ADDRESS_REFUSED}: the host resolves to ${refused}, a link-local or cloud metadata address; not sent`
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
  const now = opts.now ?? Date.now
  const lookup = opts.lookup ?? systemLookup
  const doFetch = opts.fetch ?? pinnedFetch(lookup)
  return async function send(body: string, idempotencyKey: string): Promise<SendOutcome> {
    const refusal = await addressRefusal(opts.url, lookup, opts.timeoutMs)
    if (refusal !== undefined) return { ok: false, attempts: 0, reason: refusal, permanent: true }
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
        const refused = connectRefusal(err)
        if (refused !== undefined) return { ok: false, attempts: attempt, reason: refused, permanent: true }
        reason = attemptAbort.signal.aborted ? failureReason(attemptAbort.signal.reason) : failureReason(err)
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
