/**
 * Pipeline mode for tests: the built collector and identity as separate processes against a real
 * Kafka broker, each test in its own namespace (SILLAGE_TOPIC_PREFIX), each identity with its own
 * chDB data dir.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Kafka, logLevel, type Admin } from 'kafkajs'
import { inject } from 'vitest'
import { cliMain, freePort, repoRoot, waitFor, WRITE_KEY } from './pipeline.js'

const run = promisify(execFile)

export const collectorMain = join(repoRoot, 'services/collector/dist/main.js')
export const identityMain = join(repoRoot, 'services/identity/dist/main.js')
export const activationMain = join(repoRoot, 'services/activation/dist/main.js')

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string
  }
}

/** From tests/global-setup.ts (or KAFKA_BROKERS); a missing broker fails the test. */
export function kafkaBrokers(): string {
  const brokers = process.env.KAFKA_BROKERS || inject('kafkaBrokers')
  if (!brokers) throw new Error('KAFKA_BROKERS is not set and tests/global-setup.ts provided no broker')
  return brokers
}

/** A fresh SILLAGE_TOPIC_PREFIX: topics and consumer groups no other test sees. */
export function newNamespace(label: string): string {
  return `t-${label}-${randomBytes(4).toString('hex')}.`
}

export interface ServiceProcess {
  proc: ChildProcess
  /** stdout and stderr so far (the last 200 KB), for failure messages. */
  output(): string
  /** SIGTERM; resolves with the exit code once the process is gone. */
  stop(): Promise<number | null>
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>
}

function spawnService(script: string, env: Record<string, string>): ServiceProcess {
  const proc = spawn(process.execPath, [script], {
    cwd: repoRoot,
    env: { ...process.env, CLICKHOUSE_URL: '', SILLAGE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  const append = (d: Buffer) => {
    out += d.toString()
    if (out.length > 400_000) out = out.slice(-200_000)
  }
  proc.stdout?.on('data', append)
  proc.stderr?.on('data', append)
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  const signal = async (sig: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig)
    return exited
  }
  return {
    proc,
    output: () => out,
    stop: () => signal('SIGTERM'),
    kill: async () => {
      await signal('SIGKILL')
    },
  }
}

async function waitUntilServing(service: ServiceProcess, url: string, what: string): Promise<void> {
  await waitFor(
    async () => {
      if (service.proc.exitCode !== null || service.proc.signalCode !== null) {
        throw new Error(
          `${what} exited (${service.proc.exitCode ?? service.proc.signalCode}):\n${service.output()}`,
        )
      }
      return (await fetch(url)).ok
    },
    { timeoutMs: 60_000, what: `${what} at ${url}` },
  ).catch((err: unknown) => {
    void service.kill()
    throw err
  })
}

export interface CollectorProcess extends ServiceProcess {
  url: string
}

/** `node services/collector/dist/main.js`; resolves once /readyz says the bus is ready. */
export async function startCollector(opts: {
  brokers: string
  namespace: string
  port?: number
  env?: Record<string, string>
}): Promise<CollectorProcess> {
  const port = opts.port ?? (await freePort())
  const service = spawnService(collectorMain, {
    KAFKA_BROKERS: opts.brokers,
    SILLAGE_TOPIC_PREFIX: opts.namespace,
    SILLAGE_PORT: String(port),
    SILLAGE_HOST: '127.0.0.1',
    SILLAGE_SOURCES: JSON.stringify([{ id: 'test', writeKey: WRITE_KEY, type: 'server' }]),
    ...opts.env,
  })
  const url = `http://127.0.0.1:${port}`
  await waitUntilServing(service, `${url}/readyz`, 'the collector')
  return { ...service, url }
}

export interface IdentityProcess extends ServiceProcess {
  metricsUrl: string
  /** sillage_identity_events_inserted_total of this process. */
  inserted(): Promise<number>
}

/** `node services/identity/dist/main.js` on chDB in `dataDir`; resolves once /readyz (group joined). */
export async function startIdentity(opts: {
  brokers: string
  namespace: string
  dataDir: string
  env?: Record<string, string>
}): Promise<IdentityProcess> {
  const port = await freePort()
  const service = spawnService(identityMain, {
    KAFKA_BROKERS: opts.brokers,
    SILLAGE_TOPIC_PREFIX: opts.namespace,
    SILLAGE_DATA_DIR: opts.dataDir,
    SILLAGE_METRICS_PORT: String(port),
    SILLAGE_METRICS_HOST: '127.0.0.1',
    // The broker's minimum: a killed instance's partitions move on after 6 s, not the default 30 s.
    SILLAGE_KAFKA_SESSION_TIMEOUT_MS: '6000',
    ...opts.env,
  })
  const metricsUrl = `http://127.0.0.1:${port}/metrics`
  await waitUntilServing(service, `http://127.0.0.1:${port}/readyz`, 'the identity service')
  return {
    ...service,
    metricsUrl,
    inserted: async () => {
      const text = await (await fetch(metricsUrl)).text()
      const line = /^sillage_identity_events_inserted_total (\d+)/m.exec(text)
      return Number(line?.[1] ?? 0)
    },
  }
}

export interface ActivationProcess extends ServiceProcess {
  /** Its admin API's server (SILLAGE_ACTIVATION_PORT), listening only with SILLAGE_ADMIN_TOKEN. */
  url: string
  metricsUrl: string
}

/** `node services/activation/dist/main.js` on chDB in `dataDir`; resolves once /readyz. */
export async function startActivation(opts: {
  brokers: string
  namespace: string
  dataDir: string
  env?: Record<string, string>
}): Promise<ActivationProcess> {
  const [port, metricsPort] = [await freePort(), await freePort()]
  const service = spawnService(activationMain, {
    KAFKA_BROKERS: opts.brokers,
    SILLAGE_TOPIC_PREFIX: opts.namespace,
    SILLAGE_DATA_DIR: opts.dataDir,
    SILLAGE_ACTIVATION_PORT: String(port),
    SILLAGE_ACTIVATION_HOST: '127.0.0.1',
    SILLAGE_METRICS_PORT: String(metricsPort),
    SILLAGE_METRICS_HOST: '127.0.0.1',
    ...opts.env,
  })
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`
  await waitUntilServing(service, `http://127.0.0.1:${metricsPort}/readyz`, 'the activation service')
  return { ...service, url: `http://127.0.0.1:${port}`, metricsUrl }
}

/** `sillage query` on a data dir whose identity process has stopped (chDB: one process per dir). */
export async function queryDataDir<T = Record<string, unknown>>(dataDir: string, sql: string): Promise<T[]> {
  const { stdout } = await run(process.execPath, [cliMain, 'query', sql], {
    cwd: repoRoot,
    env: { ...process.env, SILLAGE_DATA_DIR: dataDir, CLICKHOUSE_URL: '' },
    maxBuffer: 256 * 1024 * 1024,
  })
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T)
}

/** message_id -> number of rows, for the ids starting with `prefix`. */
export async function rowsPerMessageId(dataDir: string, prefix: string): Promise<Map<string, number>> {
  const rows = await queryDataDir<{ message_id: string; n: string }>(
    dataDir,
    `SELECT message_id, count() AS n FROM sillage.events WHERE startsWith(message_id, '${prefix.replace(/[^A-Za-z0-9._-]/g, '')}') GROUP BY message_id`,
  )
  return new Map(rows.map((r) => [r.message_id, Number(r.n)]))
}

export async function kafkaAdmin(brokers: string): Promise<Admin> {
  const admin = new Kafka({
    clientId: 'tests-admin',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  }).admin()
  await admin.connect()
  return admin
}

/**
 * Records on `topic` not yet committed by `group` (end offset minus committed offset, summed over
 * partitions), and the total end offset. Identity commits only after ClickHouse acknowledged the
 * batch, so lag 0 means every record on the topic is stored.
 */
export async function consumerLag(
  admin: Admin,
  group: string,
  topic: string,
): Promise<{ lag: number; end: number }> {
  const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
  const ends = await admin.fetchTopicOffsets(topic)
  let lag = 0
  let end = 0
  for (const p of ends) {
    const high = Number(p.high)
    const done = Number(committed?.partitions.find((c) => c.partition === p.partition)?.offset ?? -1)
    end += high
    lag += high - Math.max(done, 0)
  }
  return { lag, end }
}

/** Polls until `group` has committed everything on `topic`, and the topic holds at least `atLeast`. */
export async function waitForCaughtUp(
  admin: Admin,
  namespace: string,
  atLeast: number,
  timeoutMs = 60_000,
): Promise<void> {
  const group = `${namespace}identity`
  const topic = `${namespace}events.raw`
  let last = { lag: -1, end: -1 }
  await waitFor(
    async () => {
      last = await consumerLag(admin, group, topic)
      return last.end >= atLeast && last.lag === 0
    },
    { timeoutMs, intervalMs: 200, what: `group ${group} to commit ${atLeast} records` },
  ).catch((err: unknown) => {
    throw new Error(`${(err as Error).message} (last: ${JSON.stringify(last)})`, { cause: err })
  })
}
