import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '@sillage/runtime'
import { loadCliConfig } from './config.js'

describe('loadCliConfig, embedded threads', () => {
  it('runs profiles in a thread of their own by default, on the default port', () => {
    const { embedded } = loadCliConfig({})
    expect(embedded).toMatchObject({ profilesThread: true, profilesPort: undefined })
  })

  it('reads SILLAGE_PROFILES_THREAD=false and SILLAGE_PROFILES_PORT', () => {
    expect(loadCliConfig({ SILLAGE_PROFILES_THREAD: 'false' }).embedded.profilesThread).toBe(false)
    expect(loadCliConfig({ SILLAGE_PROFILES_PORT: '9191' }).embedded.profilesPort).toBe(9191)
  })

  it('refuses a profiles port without the profiles thread, naming both variables', () => {
    const load = () => loadCliConfig({ SILLAGE_PROFILES_THREAD: 'false', SILLAGE_PROFILES_PORT: '9191' })
    expect(load).toThrow(ConfigError)
    expect(load).toThrow(/SILLAGE_PROFILES_PORT: .*SILLAGE_PROFILES_THREAD=true/)
  })
})

describe('loadCliConfig, settings that are set but do nothing', () => {
  const KAFKA_IGNORED =
    'KAFKA_BROKERS is set but ignored: SILLAGE_BUS is local (the default), so sillage start uses the local log in the data dir; set SILLAGE_BUS=kafka to use these brokers'

  it('warns once that KAFKA_BROKERS is ignored on the local bus', () => {
    expect(loadCliConfig({ KAFKA_BROKERS: 'k:9092' }).warnings).toEqual([KAFKA_IGNORED])
    expect(loadCliConfig({ SILLAGE_BUS: 'local', KAFKA_BROKERS: 'k:9092' }).warnings).toEqual([KAFKA_IGNORED])
  })

  it('says nothing when the brokers are used, or unset', () => {
    expect(loadCliConfig({ SILLAGE_BUS: 'kafka', KAFKA_BROKERS: 'k:9092' }).warnings).toEqual([])
    expect(loadCliConfig({}).warnings).toEqual([])
  })
})

describe('loadCliConfig, hostile values', () => {
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadCliConfig(env)
    } catch (err) {
      if (err instanceof ConfigError) return err.problems
      throw err
    }
    return []
  }

  it('refuses the profiles thread on the collector port', () => {
    expect(problems({ SILLAGE_PORT: '20993', SILLAGE_PROFILES_PORT: '20993' })).toEqual([
      'SILLAGE_PROFILES_PORT: must differ from SILLAGE_PORT (both are 20993)',
    ])
    expect(problems({ SILLAGE_PORT: '0', SILLAGE_PROFILES_PORT: '0' })).toEqual([])
  })

  it('refuses a data dir that is a file, or lies under one', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sillage-cfg-')), 'a-file')
    writeFileSync(file, '')
    try {
      expect(problems({ SILLAGE_DATA_DIR: file })).toEqual([
        `SILLAGE_DATA_DIR: "${file}" is not a directory (got "${file}")`,
      ])
      expect(problems({ SILLAGE_DATA_DIR: join(file, 'sub') })).toEqual([
        `SILLAGE_DATA_DIR: "${file}" is not a directory (got "${join(file, 'sub')}")`,
      ])
      expect(problems({ SILLAGE_DATA_DIR: join(dirname(file), 'new', 'dir') })).toEqual([])
    } finally {
      rmSync(dirname(file), { recursive: true, force: true })
    }
  })

  // /proc passes the access check as root, but nothing can be made there: chDB hung on it.
  it.runIf(existsSync('/proc/self'))('refuses a data dir that cannot be created, and leaves none', () => {
    // Root gets past the access check (cannot be created); anyone else is stopped by it.
    const [problem, ...more] = problems({ SILLAGE_DATA_DIR: '/proc/nope/sillage' })
    expect(more).toEqual([])
    expect(problem).toMatch(/^SILLAGE_DATA_DIR: .*"\/proc"( \(ENOENT\)| is not writable)/)
    const parent = mkdtempSync(join(tmpdir(), 'sillage-cfg-'))
    try {
      expect(problems({ SILLAGE_DATA_DIR: join(parent, 'new', 'dir') })).toEqual([])
      expect(existsSync(join(parent, 'new'))).toBe(false)
    } finally {
      rmSync(parent, { recursive: true, force: true })
    }
  })
})
