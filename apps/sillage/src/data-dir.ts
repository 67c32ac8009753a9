import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseSources } from '@sillage/collector'
import type { ReadKey } from '@sillage/profiles'
import { sourcesSchema, type Source } from '@sillage/schemas'

/** Files the embedded mode keeps in the data dir, beside the local log and chDB. */
export const paths = (dataDir: string) => ({
  bus: join(dataDir, 'bus'),
  sources: join(dataDir, 'sources.json'),
  adminToken: join(dataDir, 'admin-token'),
  profileReadKey: join(dataDir, 'profile-read-key'),
  runtime: join(dataDir, 'runtime.json'),
})

function writeAtomic(file: string, content: string) {
  writeFileSync(`${file}.tmp`, content, { mode: 0o600 })
  renameSync(`${file}.tmp`, file)
}

/** The server source `sillage seed` sends through (secret key, no rate limit). */
export const SEED_SOURCE_ID = 'seed'

const seedSource = () => ({
  id: SEED_SOURCE_ID,
  writeKey: `sk_seed_${randomBytes(16).toString('hex')}`,
  type: 'server',
})

/**
 * The embedded sources: the `demo` browser source (the demo shop) and the `seed` server source
 * (`sillage seed`), created once with random write keys, then reused. A data dir from before
 * `seed` existed gets its server source added.
 */
export function demoSources(dataDir: string, origins: string[]): Source[] {
  const file = paths(dataDir).sources
  let sources: Source[]
  if (existsSync(file)) {
    // As SILLAGE_SOURCES: a misspelt key (`trackingplan`) stops the start, naming the right one.
    sources = parseSources(readFileSync(file, 'utf8'), file)
    if (!sources.some((s) => s.type === 'server')) {
      const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown[]
      const next = [...raw, seedSource()]
      sources = sourcesSchema.parse(next)
      writeAtomic(file, JSON.stringify(next, null, 2) + '\n')
    }
  } else {
    const next = [
      {
        id: 'demo',
        writeKey: `demo_${randomBytes(12).toString('hex')}`,
        type: 'browser',
        allowedOrigins: origins,
      },
      seedSource(),
    ]
    sources = sourcesSchema.parse(next)
    mkdirSync(dataDir, { recursive: true })
    writeAtomic(file, JSON.stringify(next, null, 2) + '\n')
  }
  // The port may have changed since the file was written: the serving origin is always allowed.
  return sources.map((s) =>
    s.id === 'demo' ? { ...s, allowedOrigins: [...new Set([...s.allowedOrigins, ...origins])] } : s,
  )
}

/** A secret kept in the data dir (mode 0600): read when there, else made once and written. */
function secretFile(dataDir: string, file: string, make: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  const secret = make()
  mkdirSync(dataDir, { recursive: true })
  writeAtomic(file, secret + '\n')
  return secret
}

export function adminToken(dataDir: string, configured: string | undefined): string {
  if (configured) return configured
  return secretFile(dataDir, paths(dataDir).adminToken, () => randomBytes(24).toString('hex'))
}

/**
 * The embedded read keys: those configured, or else one `demo` read key for every source, created
 * once in the data dir (like the admin token), so that a new user can look a profile up at once.
 */
export function profileReadKeys(dataDir: string, configured: readonly ReadKey[]): readonly ReadKey[] {
  if (configured.length > 0) return configured
  const key = secretFile(
    dataDir,
    paths(dataDir).profileReadKey,
    () => `rk_demo_${randomBytes(16).toString('hex')}`,
  )
  return [{ id: 'demo', key, sources: ['*'] }]
}

export interface Runtime {
  pid: number
  url: string
}

export function writeRuntime(dataDir: string, runtime: Runtime) {
  writeAtomic(paths(dataDir).runtime, JSON.stringify(runtime) + '\n')
}

export function removeRuntime(dataDir: string) {
  rmSync(paths(dataDir).runtime, { force: true })
}

/** The running `start` process on this data dir, if any. */
export function readRuntime(dataDir: string): Runtime | undefined {
  const file = paths(dataDir).runtime
  if (!existsSync(file)) return undefined
  const runtime = JSON.parse(readFileSync(file, 'utf8')) as Runtime
  try {
    process.kill(runtime.pid, 0)
    return runtime
  } catch {
    return undefined
  }
}
