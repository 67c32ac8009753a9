import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { cliMain, repoRoot, tempDir } from './helpers/pipeline.js'

const run = promisify(execFile)

// The built CLI as a new user first runs it, with sloppy settings: each mistake is one line with a
// stable code, before anything opens; nothing here starts a pipeline.
describe('sillage, first run with sloppy settings', () => {
  const dir = tempDir('sillage-first-run-')
  afterAll(() => dir.remove())

  /** Runs the built CLI on a fresh data dir; resolves with its exit code and output, whatever the code. */
  const sillage = async (args: string[], env: Record<string, string> = {}) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [cliMain, ...args], {
        cwd: repoRoot,
        env: {
          ...process.env,
          SILLAGE_DATA_DIR: join(dir.path, 'data'),
          SILLAGE_SOURCES: '',
          SILLAGE_SOURCES_FILE: '',
          SILLAGE_BUS: '',
          SILLAGE_PORT: '0',
          ...env,
        },
        timeout: 60_000,
      })
      return { code: 0, stdout, stderr }
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string }
      return { code: e.code, stdout: e.stdout, stderr: e.stderr }
    }
  }

  it('dlq inspect on a fresh data dir: no dead letters yet, exit 0', async () => {
    const events = await sillage(['dlq', 'inspect'])
    expect(events).toMatchObject({ code: 0, stderr: '' })
    expect(events.stdout).toMatch(/^no dead letters yet: events\.invalid does not exist/)
    expect(await sillage(['dlq', 'inspect', '--json'])).toEqual({ code: 0, stdout: '', stderr: '' })
    const activation = await sillage(['dlq', 'inspect', '--topic', 'activation'])
    expect(activation).toMatchObject({ code: 0, stderr: '' })
    expect(activation.stdout).toMatch(/^no dead letters yet: activation\.deadletters does not exist/)
  })

  it('start refuses a host that is not an address of this machine: SIL_LISTEN_FAILED, exit 1', async () => {
    const start = await sillage(['start'], { SILLAGE_HOST: '192.0.2.1' })
    expect(start.code).toBe(1)
    expect(start.stderr.trim().split('\n')).toEqual([
      'SIL_LISTEN_FAILED: SILLAGE_HOST: 192.0.2.1 is not an address of this machine (listening on 192.0.2.1:0); use one of its addresses, e.g. 127.0.0.1, or 0.0.0.0 for all',
    ])
  })

  it('start refuses both sources variables, placeholder keys and a boolean it cannot read, all at once', async () => {
    const example = join(dir.path, 'sources.json')
    writeFileSync(
      example,
      JSON.stringify([{ id: 'web', writeKey: 'wk_REPLACE_ME_browser_key', type: 'browser' }]),
    )
    const both = await sillage(['start'], {
      SILLAGE_SOURCES: JSON.stringify([{ id: 'web', writeKey: 'wk_real_key_0123456789', type: 'browser' }]),
      SILLAGE_SOURCES_FILE: example,
      SILLAGE_PROFILES_THREAD: 'enabled',
    })
    expect(both.code).toBe(2)
    expect(both.stderr.trim().split('\n')).toEqual([
      'SIL_CONFIG_INVALID: SILLAGE_SOURCES and SILLAGE_SOURCES_FILE: both are set; keep one (SILLAGE_SOURCES holds the JSON itself, SILLAGE_SOURCES_FILE names a file)',
      'SIL_CONFIG_INVALID: SILLAGE_PROFILES_THREAD: must be true, false, yes, no, on, off, 1 or 0 (any case) (got "enabled")',
    ])
    const placeholder = await sillage(['start'], {
      SILLAGE_SOURCES_FILE: example,
      SILLAGE_PROFILES_THREAD: 'OFF',
    })
    expect(placeholder.code).toBe(2)
    expect(placeholder.stderr.trim().split('\n')).toEqual([
      `SIL_CONFIG_INVALID: ${example}[0.writeKey]: source "web" still has the placeholder REPLACE_ME; set a real write key (e.g. \`openssl rand -hex 24\`)`,
    ])
    expect(placeholder.stderr).not.toContain('wk_REPLACE_ME')
  })
})
