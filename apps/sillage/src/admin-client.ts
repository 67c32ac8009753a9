import { adminToken, readRuntime } from './data-dir.js'

export interface RunningStart {
  url: string
  /** Calls an admin endpoint of the running process; rejects with its error body on a non-2xx. */
  call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<string>
}

/**
 * The `sillage start` running on this data dir, if any: its local log and chDB directory belong
 * to it, so the commands that need them go through its admin endpoints (admin token).
 */
export function runningStart(dataDir: string, configuredToken: string | undefined): RunningStart | undefined {
  const runtime = readRuntime(dataDir)
  if (!runtime) return undefined
  const token = adminToken(dataDir, configuredToken)
  return {
    url: runtime.url,
    async call(method, path, body) {
      const res = await fetch(`${runtime.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      })
      const text = await res.text()
      if (!res.ok)
        throw new Error(`${method} ${path} on the running sillage start failed (${res.status}): ${text}`)
      return text
    },
  }
}
