import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const repoRoot = new URL('../..', import.meta.url).pathname
export const cliMain = join(repoRoot, 'apps/sillage/dist/main.js')

export const WRITE_KEY = 'wk_test_0123456789'
/** The demo shop's (public) browser key, with `browserSource: true`. */
export const BROWSER_WRITE_KEY = 'wk_browser_0123456789'
export const ADMIN_TOKEN = 'admin_test_0123456789abcdef'

/** Polls until `check` returns a value other than undefined/false; never sleeps blindly. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000)
  let last: unknown
  for (;;) {
    try {
      const v = await check()
      if (v !== undefined && v !== false) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${opts.what ?? 'condition'}${last ? `: ${String(last)}` : ''}`)
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100))
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

export interface Pipeline {
  url: string
  proc: ChildProcess
  output: () => string
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>
}

/** Runs `sillage start` (the built CLI) as a child process and waits for /healthz. */
export async function startPipeline(opts: {
  dataDir: string
  port: number
  env?: Record<string, string>
  /** Adds the `demo` browser source (BROWSER_WRITE_KEY, the collector's own origin): /demo/ is served. */
  browserSource?: boolean
  /** More sources, after the `test` server source (and `demo`). */
  extraSources?: unknown[]
}): Promise<Pipeline> {
  const sources: unknown[] = [{ id: 'test', writeKey: WRITE_KEY, type: 'server' }]
  if (opts.browserSource) {
    sources.push({
      id: 'demo',
      writeKey: BROWSER_WRITE_KEY,
      type: 'browser',
      allowedOrigins: [`http://127.0.0.1:${opts.port}`],
    })
  }
  sources.push(...(opts.extraSources ?? []))
  const proc = spawn(process.execPath, [cliMain, 'start'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      SILLAGE_DATA_DIR: opts.dataDir,
      SILLAGE_PORT: String(opts.port),
      SILLAGE_HOST: '127.0.0.1',
      SILLAGE_ADMIN_TOKEN: ADMIN_TOKEN,
      SILLAGE_LOG_LEVEL: 'warn',
      SILLAGE_SOURCES: JSON.stringify(sources),
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${opts.port}`
  await waitFor(
    async () => {
      // An early exit ends the wait at once (an error thrown here would be retried until the timeout).
      if (proc.exitCode !== null) return true
      const res = await fetch(`${url}/healthz`)
      return res.ok
    },
    { timeoutMs: 100_000, what: 'sillage start to serve /healthz' },
  )
  if (proc.exitCode !== null) throw new Error(`sillage start exited (${proc.exitCode}):\n${out}`)
  const signal = async (sig: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig)
    await exited
  }
  return { url, proc, output: () => out, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') }
}

export const authHeader = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`

export async function postBatch(url: string, batch: unknown[]): Promise<Response> {
  return fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: authHeader },
    body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
  })
}

/** Runs SQL through the running process's admin endpoint (what `sillage query` does). */
export async function query<T = Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const res = await fetch(`${url}/admin/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ sql }),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`query failed ${res.status}: ${text}`)
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T)
}

export function trackEvents(n: number, prefix: string, anonymousIds = 50): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, i) => ({
    type: 'track',
    event: 'Product Viewed',
    messageId: `${prefix}-${i}`,
    anonymousId: `anon-${i % anonymousIds}`,
    timestamp: new Date().toISOString(),
    properties: { product_id: `p${i % 17}`, price: 9.99 },
  }))
}

/**
 * Polls `sql` (one row with a numeric `n`, for example `SELECT count() AS n …`) until `n` reaches
 * `expected`, and returns that row; fails with the last value seen.
 */
export async function waitForCount<T extends { n: string | number }>(
  url: string,
  sql: string,
  expected: number,
  opts: { timeoutMs?: number; what?: string } = {},
): Promise<T> {
  let last: T | undefined
  try {
    return await waitFor(
      async () => {
        const [row] = await query<T>(url, sql)
        last = row
        return row !== undefined && Number(row.n) >= expected ? row : undefined
      },
      { timeoutMs: opts.timeoutMs ?? 60_000, intervalMs: 250, what: opts.what ?? sql },
    )
  } catch (err) {
    throw new Error(`${String(err)}; last row: ${JSON.stringify(last)}`, { cause: err })
  }
}
