/**
 * A standalone service (the built dist/main.js, a process of its own) or `sillage dashboard` whose
 * port another process holds: one pino fatal line with code SIL_LISTEN_FAILED, the variable to
 * change and the address, no stack trace, exit 1 (docs/errors.md, SIL_LISTEN_FAILED). The ops
 * port (SILLAGE_METRICS_PORT) is opened first, before Kafka and the warehouse; the HTTP ports
 * (SILLAGE_ADMIN_PORT, SILLAGE_PORT) after them, so those cases run against the real broker.
 */
import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { kafkaBrokers, newNamespace } from './helpers/kafka-pipeline.js'
import { ADMIN_TOKEN, cliMain, freePort, repoRoot, tempDir, WRITE_KEY } from './helpers/pipeline.js'

const HOST = '127.0.0.1'
const dirs: Array<{ remove(): void }> = []
const held: Server[] = []
afterAll(async () => {
  await Promise.all(held.splice(0).map((s) => new Promise((r) => s.close(r))))
  for (const d of dirs) d.remove()
})

/** Holds a free port on the loopback, as another process would. */
const hold = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen({ port: 0, host: HOST }, () => {
      held.push(server)
      resolve((server.address() as { port: number }).port)
    })
  })

interface Exit {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `node <args>` to its end (at most 90 s: it must stop by itself). */
const runToExit = (args: string[], env: Record<string, string>) =>
  new Promise<Exit>((resolve) => {
    const dir = tempDir('sillage-listen-failed-')
    dirs.push(dir)
    const proc = spawn(process.execPath, args, {
      cwd: repoRoot,
      env: {
        PATH: process.env['PATH'] ?? '',
        CLICKHOUSE_URL: '',
        SILLAGE_DATA_DIR: dir.path,
        SILLAGE_LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let [stdout, stderr] = ['', '']
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => proc.kill('SIGKILL'), 90_000)
    proc.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })

const main = (service: string) => join(repoRoot, `services/${service}/dist/main.js`)
const fatalLines = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l['level'] === 60)

/** Exit 1 and one fatal line naming `variable` and the held address, without a stack. */
function expectListenFailed(r: Exit, variable: string, port: number, name: string): void {
  const address = `${HOST}:${port}`
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1)
  expect(fatalLines(r.stdout)).toEqual([
    expect.objectContaining({
      name,
      code: 'SIL_LISTEN_FAILED',
      variable,
      address,
      errno: 'EADDRINUSE',
      msg: `SIL_LISTEN_FAILED: ${variable}: ${address} is already in use; stop what holds it or set another ${variable}`,
    }),
  ])
  expect(r.stdout).not.toContain('"stack"')
  expect(r.stdout).not.toContain('failed to start')
}

describe('a standalone service whose SILLAGE_METRICS_PORT is taken', () => {
  it.each(['identity', 'activation', 'profiles', 'admin'])(
    '%s: SIL_LISTEN_FAILED, exit 1',
    async (service) => {
      const port = await hold()
      const r = await runToExit([main(service)], {
        KAFKA_BROKERS: kafkaBrokers(),
        SILLAGE_TOPIC_PREFIX: newNamespace(`listen-${service}`),
        SILLAGE_METRICS_PORT: String(port),
        SILLAGE_METRICS_HOST: HOST,
        // The other port of each (free), and the admin service's required token.
        SILLAGE_PROFILES_PORT: String(await freePort()),
        SILLAGE_ADMIN_PORT: String(await freePort()),
        ...(service === 'admin' && { SILLAGE_ADMIN_TOKEN: ADMIN_TOKEN }),
      })
      expectListenFailed(r, 'SILLAGE_METRICS_PORT', port, `sillage-${service}`)
      expect(r.stderr).toBe('')
    },
  )
})

describe('a standalone service whose HTTP port is taken (after Kafka and the migrations)', () => {
  it('admin: SILLAGE_ADMIN_PORT', async () => {
    const port = await hold()
    const r = await runToExit([main('admin')], {
      KAFKA_BROKERS: kafkaBrokers(),
      SILLAGE_TOPIC_PREFIX: newNamespace('listen-admin-http'),
      SILLAGE_ADMIN_TOKEN: ADMIN_TOKEN,
      SILLAGE_ADMIN_PORT: String(port),
      SILLAGE_ADMIN_HOST: HOST,
      SILLAGE_METRICS_PORT: '0',
    })
    expectListenFailed(r, 'SILLAGE_ADMIN_PORT', port, 'sillage-admin')
  })

  it('collector: SILLAGE_PORT', async () => {
    const port = await hold()
    const r = await runToExit([main('collector')], {
      KAFKA_BROKERS: kafkaBrokers(),
      SILLAGE_TOPIC_PREFIX: newNamespace('listen-collector'),
      SILLAGE_SOURCES: JSON.stringify([{ id: 'test', writeKey: WRITE_KEY, type: 'server' }]),
      SILLAGE_PORT: String(port),
      SILLAGE_HOST: HOST,
    })
    expectListenFailed(r, 'SILLAGE_PORT', port, 'sillage-collector')
  })
})

describe('sillage dashboard whose SILLAGE_METRICS_PORT is taken', () => {
  it('one fatal line, the same line on stderr, exit 1', async () => {
    const port = await hold()
    const r = await runToExit([cliMain, 'dashboard'], {
      // Never reached: the ops port is opened before ClickHouse is asked anything.
      CLICKHOUSE_URL: `http://${HOST}:${await freePort()}`,
      SILLAGE_ADMIN_TOKEN: ADMIN_TOKEN,
      SILLAGE_DASHBOARD_PORT: String(await freePort()),
      SILLAGE_METRICS_PORT: String(port),
    })
    expectListenFailed(r, 'SILLAGE_METRICS_PORT', port, 'sillage-dashboard')
    expect(r.stderr).toBe(
      `SIL_LISTEN_FAILED: SILLAGE_METRICS_PORT: ${HOST}:${port} is already in use; stop what holds it or set another SILLAGE_METRICS_PORT\n`,
    )
  })
})
