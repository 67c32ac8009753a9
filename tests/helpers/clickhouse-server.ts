import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, waitFor } from './pipeline.js'

/** The distribution's server (`scripts/ensure-apt.mjs` installs it): Debian 12 ships 18.16. */
export const CLICKHOUSE_SERVER = '/usr/sbin/clickhouse-server'

export interface ClickHouseServer {
  url: string
  stop(): Promise<void>
}

/**
 * Starts the Debian clickhouse-server on loopback, on free ports, with its data in a temp dir
 * (the package's config and users, whose `default` user has no password), and waits for HTTP.
 */
export async function startClickHouseServer(): Promise<ClickHouseServer> {
  if (!existsSync(CLICKHOUSE_SERVER)) {
    throw new Error(`${CLICKHOUSE_SERVER} is missing: run node scripts/ensure-apt.mjs`)
  }
  const dir = mkdtempSync(join(tmpdir(), 'sillage-clickhouse-'))
  for (const sub of ['data', 'tmp', 'user_files', 'format_schemas', 'log']) mkdirSync(join(dir, sub))
  const [http, tcp, interserver] = [await freePort(), await freePort(), await freePort()]
  const proc = spawn(
    CLICKHOUSE_SERVER,
    [
      '--config-file=/etc/clickhouse-server/config.xml',
      '--',
      `--http_port=${http}`,
      `--tcp_port=${tcp}`,
      `--interserver_http_port=${interserver}`,
      '--listen_host=127.0.0.1',
      `--path=${dir}/data/`,
      `--tmp_path=${dir}/tmp/`,
      `--user_files_path=${dir}/user_files/`,
      `--format_schema_path=${dir}/format_schemas/`,
      `--logger.log=${dir}/log/server.log`,
      `--logger.errorlog=${dir}/log/error.log`,
    ],
    { stdio: 'ignore', cwd: dir },
  )
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${http}`
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM')
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
    }
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await waitFor(
      async () => {
        if (proc.exitCode !== null)
          throw new Error(`clickhouse-server exited (${proc.exitCode}); see ${dir}/log`)
        return (await fetch(`${url}/?query=SELECT%201`)).ok
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `clickhouse-server on ${url}` },
    )
  } catch (err) {
    await stop()
    throw err
  }
  return { url, stop }
}
