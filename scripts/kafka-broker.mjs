// A local, single-node Apache Kafka broker (KRaft, loopback only) for development and tests.
//
// The broker is the official org.apache.kafka:kafka_2.13 artifact from Maven Central, fetched with
// Maven once (kafka-artifacts.mjs) and cached under <repo>/.cache/kafka/<version>/libs, run with the
// JDK on this machine. Config, pid file and log live in <repo>/.cache/kafka/run/<port>/.
// No Docker, no download outside Maven. `scripts/kafka.mjs` is the CLI over these functions; a
// vitest globalSetup imports them directly. This file is the lifecycle (start, stop, test leases,
// status, the lock between processes); the JVM's config, storage format and launch are
// kafka-jvm.mjs', pids, signals and ports kafka-process.mjs'.
//
// Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_DATA_DIR
// (<repo>/.cache/kafka/data), JAVA_HOME (java on PATH otherwise).

import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureLibs, KAFKA_VERSION } from './kafka-artifacts.mjs'
import { formatStorage, launch, writeConfig } from './kafka-jvm.mjs'
import {
  HOST,
  isBroker,
  logTail,
  portOpen,
  processAlive,
  readPid,
  terminate,
  waitFor,
} from './kafka-process.mjs'

export { KAFKA_VERSION }

const START_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 30_000
/** A start may include a cold Maven fetch. */
const LOCK_TIMEOUT_MS = 10 * 60_000
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** Where everything lives; pure, derived from the environment. */
export function kafkaLayout(env = process.env) {
  const cacheDir = join(REPO_ROOT, '.cache', 'kafka')
  const port = parsePort(env.KAFKA_PORT, 9092, 'KAFKA_PORT')
  const controllerPort = parsePort(env.KAFKA_CONTROLLER_PORT, 9093, 'KAFKA_CONTROLLER_PORT')
  if (port === controllerPort) throw new Error('KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ')
  // Config, log and pid file per client port: `status`/`stop` with the same KAFKA_PORT find the broker.
  const runDir = join(cacheDir, 'run', String(port))
  return {
    port,
    controllerPort,
    brokers: `${HOST}:${port}`,
    libsDir: join(cacheDir, KAFKA_VERSION, 'libs'),
    fetchDir: join(cacheDir, KAFKA_VERSION, 'fetch'),
    dataDir: env.KAFKA_DATA_DIR ? resolve(env.KAFKA_DATA_DIR) : join(cacheDir, 'data'),
    runDir,
    serverProperties: join(runDir, 'server.properties'),
    log4jConfig: join(runDir, 'log4j2.properties'),
    logFile: join(runDir, 'broker.log'),
    pidFile: join(runDir, 'broker.pid'),
    lockFile: join(runDir, 'lock'),
    leasesDir: join(runDir, 'leases'),
    testOwnedFile: join(runDir, 'started-by-tests'),
    env,
    java: env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java',
  }
}

function parsePort(raw, fallback, name) {
  if (raw === undefined || raw === '') return fallback
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`${name} must be a TCP port, got "${raw}"`)
  return port
}

const stderrLog = (msg) => process.stderr.write(`[kafka] ${msg}\n`)

/**
 * Starts the broker unless one is already running; resolves once it accepts connections.
 * `fresh` stops a running broker and wipes the data dir first. `started` tells whether this call
 * launched the broker. A broker started here belongs to the caller: test leases never stop it.
 */
export async function startKafka({ fresh = false, log = stderrLog, env = process.env } = {}) {
  const layout = kafkaLayout(env)
  return withLock(layout, async () => {
    const result = await startUnlocked(layout, { fresh, log })
    rmSync(layout.testOwnedFile, { force: true })
    return result
  })
}

/** Stops the broker: SIGTERM, then SIGKILL after 30 s. */
export async function stopKafka({ log = stderrLog, env = process.env } = {}) {
  const layout = kafkaLayout(env)
  return withLock(layout, () => stopUnlocked(layout, log))
}

/**
 * For test runners (vitest globalSetup), several of which may run at once: reuses a running broker,
 * or starts one (on a wiped data dir when `fresh`), and records a lease. `release()` drops the
 * lease; the last lease released stops the broker, and only if a lease started it.
 */
export async function leaseKafka({ fresh = true, log = stderrLog, env = process.env } = {}) {
  const layout = kafkaLayout(env)
  const lease = join(layout.leasesDir, `${process.pid}-${randomBytes(4).toString('hex')}`)
  const { started } = await withLock(layout, async () => {
    const status = await kafkaStatus({ env })
    const result = await startUnlocked(layout, { fresh: fresh && status.pid === undefined, log })
    if (result.started) writeFileSync(layout.testOwnedFile, `${process.pid}\n`)
    mkdirSync(layout.leasesDir, { recursive: true })
    writeFileSync(lease, `${process.pid}\n`)
    return result
  })
  let released
  const release = () =>
    (released ??= withLock(layout, async () => {
      rmSync(lease, { force: true })
      if (liveLeases(layout).length > 0 || !existsSync(layout.testOwnedFile)) return { stopped: false }
      return stopUnlocked(layout, log)
    }))
  return { brokers: layout.brokers, started, release }
}

async function startUnlocked(layout, { fresh, log }) {
  const status = await kafkaStatus({ env: layout.env })
  if (status.pid !== undefined && !fresh) {
    // Running, or still starting: wait for its port.
    await waitUntilListening(layout, status.pid)
    return { brokers: layout.brokers, started: false, pid: status.pid }
  }
  if (status.pid !== undefined) await stopUnlocked(layout, log)
  if (await portOpen(layout.port)) {
    throw new Error(`port ${layout.port} is in use by a process this script did not start (set KAFKA_PORT)`)
  }

  ensureLibs(layout, log)
  mkdirSync(layout.runDir, { recursive: true })
  writeConfig(layout)
  if (fresh) {
    log(`wiping ${layout.dataDir}`)
    rmSync(layout.dataDir, { recursive: true, force: true })
  }
  formatStorage(layout, log)

  const t0 = Date.now()
  const pid = launch(layout)
  log(`broker starting (pid ${pid}), log: ${layout.logFile}`)
  try {
    await waitUntilListening(layout, pid)
  } catch (err) {
    if (processAlive(pid)) await terminate(pid, STOP_TIMEOUT_MS)
    rmSync(layout.pidFile, { force: true })
    throw err
  }
  log(`broker ready on ${layout.brokers} in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  return { brokers: layout.brokers, started: true, pid }
}

async function waitUntilListening(layout, pid) {
  try {
    await waitFor(
      async () => {
        if (!processAlive(pid)) throw new Error('the broker exited during start-up')
        return portOpen(layout.port)
      },
      START_TIMEOUT_MS,
      `the broker did not open ${layout.brokers} within ${START_TIMEOUT_MS / 1000} s`,
    )
  } catch (err) {
    throw new Error(`${err.message}\n--- ${layout.logFile} (tail) ---\n${logTail(layout.logFile)}`, {
      cause: err,
    })
  }
}

async function stopUnlocked(layout, log) {
  rmSync(layout.testOwnedFile, { force: true })
  rmSync(layout.leasesDir, { recursive: true, force: true })
  const pid = readPid(layout.pidFile)
  if (pid === undefined || !isBroker(pid)) {
    rmSync(layout.pidFile, { force: true })
    log('no broker running')
    return { stopped: false }
  }
  log(`stopping broker (pid ${pid})`)
  await terminate(pid, STOP_TIMEOUT_MS)
  rmSync(layout.pidFile, { force: true })
  log('broker stopped')
  return { stopped: true }
}

/** Lease files whose process still runs; the others (a crashed test run) are removed. */
function liveLeases(layout) {
  let names = []
  try {
    names = readdirSync(layout.leasesDir)
  } catch {
    return []
  }
  return names.filter((name) => {
    if (processAlive(Number(name.split('-')[0]))) return true
    rmSync(join(layout.leasesDir, name), { force: true })
    return false
  })
}

/**
 * Serialises start/stop/lease between processes: an exclusive lock file holding the owner's pid,
 * taken over when that process is gone.
 */
async function withLock(layout, fn) {
  mkdirSync(layout.runDir, { recursive: true })
  const deadline = Date.now() + LOCK_TIMEOUT_MS
  for (;;) {
    try {
      writeFileSync(layout.lockFile, `${process.pid}\n`, { flag: 'wx' })
      break
    } catch (err) {
      if (err.code !== 'EEXIST') throw err
    }
    const owner = readPid(layout.lockFile)
    if (owner !== undefined && !processAlive(owner)) {
      rmSync(layout.lockFile, { force: true })
      continue
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${layout.lockFile} (held by pid ${owner})`)
    await new Promise((r) => setTimeout(r, 200))
  }
  try {
    return await fn()
  } finally {
    rmSync(layout.lockFile, { force: true })
  }
}

/** `running` means: the pid file names a live broker process and its port accepts connections. */
export async function kafkaStatus({ env = process.env } = {}) {
  const layout = kafkaLayout(env)
  const pid = readPid(layout.pidFile)
  const alive = pid !== undefined && isBroker(pid)
  const listening = await portOpen(layout.port)
  return { running: alive && listening, pid: alive ? pid : undefined, listening, brokers: layout.brokers }
}
