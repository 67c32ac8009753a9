import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sourcesSchema, type Source } from '@sillage/schemas'

/** Files the embedded mode keeps in the data dir, beside the local log and chDB. */
export const paths = (dataDir: string) => ({
  bus: join(dataDir, 'bus'),
  sources: join(dataDir, 'sources.json'),
  adminToken: join(dataDir, 'admin-token'),
  runtime: join(dataDir, 'runtime.json'),
})

function writeAtomic(file: string, content: string) {
  writeFileSync(`${file}.tmp`, content, { mode: 0o600 })
  renameSync(`${file}.tmp`, file)
}

/** The embedded demo source: created once with a random write key, then reused. */
export function demoSources(dataDir: string, origins: string[]): Source[] {
  const file = paths(dataDir).sources
  let sources: Source[]
  if (existsSync(file)) {
    sources = sourcesSchema.parse(JSON.parse(readFileSync(file, 'utf8')))
  } else {
    sources = sourcesSchema.parse([
      {
        id: 'demo',
        writeKey: `demo_${randomBytes(12).toString('hex')}`,
        type: 'browser',
        allowedOrigins: origins,
      },
    ])
    mkdirSync(dataDir, { recursive: true })
    writeAtomic(file, JSON.stringify(sources, null, 2) + '\n')
  }
  // The port may have changed since the file was written: the serving origin is always allowed.
  return sources.map((s) =>
    s.id === 'demo' ? { ...s, allowedOrigins: [...new Set([...s.allowedOrigins, ...origins])] } : s,
  )
}

export function adminToken(dataDir: string, configured: string | undefined): string {
  if (configured) return configured
  const file = paths(dataDir).adminToken
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  const token = randomBytes(24).toString('hex')
  mkdirSync(dataDir, { recursive: true })
  writeAtomic(file, token + '\n')
  return token
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
