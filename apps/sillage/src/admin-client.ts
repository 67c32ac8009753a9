import { adminToken, readRuntime } from './data-dir.js'

/** How long an admin call waits for its whole answer by default: a hung process fails it. */
export const ADMIN_CALL_TIMEOUT_MS = 30_000

/** The running `sillage start` did not answer in time (exit 1 with the message, no stack). */
export class AdminTimeoutError extends Error {
  readonly code = 'SIL_CLI_ADMIN_TIMEOUT'
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(
      `SIL_CLI_ADMIN_TIMEOUT: the running sillage start did not answer ${url} within ${timeoutMs} ms; ` +
        'it may be hung or overloaded: look at its logs, or restart it',
      options,
    )
    this.name = 'AdminTimeoutError'
  }
}

export interface AdminCallOptions {
  /**
   * How long to wait for the whole answer, in ms (the client's default when absent). 0: no limit,
   * for work that may rightly take long and that the server does not bound itself (an analyst's
   * SQL, an audience sync and its deliveries); the process is first checked to answer at all
   * (`GET /healthz`, within the client's default), so a hung one still fails.
   */
  timeoutMs?: number
}

export interface RunningStart {
  url: string
  /** Calls an admin endpoint of the running process; rejects with its error body on a non-2xx. */
  call(method: 'GET' | 'POST', path: string, body?: unknown, options?: AdminCallOptions): Promise<string>
}

/** One request, its body read in full within `timeoutMs` (0: no limit); any status is returned. */
async function request(
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<{ status: number; ok: boolean; text: string }> {
  // A timer and an AbortController, not AbortSignal.timeout (it did not fire for fetch on Node 20,
  // see services/activation webhook-sender.ts); it covers the body too, which can stall as well.
  const abort = new AbortController()
  const timer = timeoutMs > 0 ? setTimeout(() => abort.abort(), timeoutMs) : undefined
  try {
    const res = await fetch(url, { ...init, signal: abort.signal })
    return { status: res.status, ok: res.ok, text: await res.text() }
  } catch (err) {
    if (abort.signal.aborted)
      throw new AdminTimeoutError(`${init.method ?? 'GET'} ${url}`, timeoutMs, { cause: err })
    throw err
  } finally {
    clearTimeout(timer)
  }
}

/** The admin API of a `sillage start` at `url`, with the admin `token`. */
export function createAdminClient(opts: { url: string; token: string; timeoutMs?: number }): RunningStart {
  const defaultTimeout = opts.timeoutMs ?? ADMIN_CALL_TIMEOUT_MS
  return {
    url: opts.url,
    async call(method, path, body, options) {
      const timeoutMs = options?.timeoutMs ?? defaultTimeout
      // Unbounded work: first make sure the process answers at all (any status will do).
      if (timeoutMs === 0) await request(`${opts.url}/healthz`, { method: 'GET' }, defaultTimeout)
      const res = await request(
        `${opts.url}${path}`,
        {
          method,
          headers: {
            authorization: `Bearer ${opts.token}`,
            ...(body !== undefined && { 'content-type': 'application/json' }),
          },
          ...(body !== undefined && { body: JSON.stringify(body) }),
        },
        timeoutMs,
      )
      if (!res.ok)
        throw new Error(`${method} ${path} on the running sillage start failed (${res.status}): ${res.text}`)
      return res.text
    },
  }
}

/**
 * The `sillage start` running on this data dir, if any: its local log and chDB directory belong
 * to it, so the commands that need them go through its admin endpoints (admin token).
 */
export function runningStart(dataDir: string, configuredToken: string | undefined): RunningStart | undefined {
  const runtime = readRuntime(dataDir)
  if (!runtime) return undefined
  return createAdminClient({ url: runtime.url, token: adminToken(dataDir, configuredToken) })
}
