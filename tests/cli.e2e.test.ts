import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import {
  ADMIN_TOKEN,
  cliMain,
  freePort,
  query,
  repoRoot,
  startPipeline,
  tempDir,
  waitForCount,
  type Pipeline,
} from './helpers/pipeline.js'

const run = promisify(execFile)

// The `sillage` CLI as an operator uses it, on one data dir: sources in a file, dead letters
// inspected and replayed through a running `start` and without one, doctor. Two `start`s in all.
describe('sillage sources, dlq and doctor', () => {
  const dir = tempDir('sillage-cli-')
  const sourcesFile = join(dir.path, 'conf', 'sources.json')
  const env = {
    SILLAGE_DATA_DIR: dir.path,
    SILLAGE_SOURCES: '',
    SILLAGE_SOURCES_FILE: sourcesFile,
    SILLAGE_ADMIN_TOKEN: ADMIN_TOKEN,
  }
  let pipeline: Pipeline | undefined
  afterAll(async () => {
    await pipeline?.stop()
    dir.remove()
  })

  /** Runs the built CLI; resolves with its exit code and output, whatever the code. */
  const sillage = async (args: string[], extraEnv: Record<string, string> = {}) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [cliMain, ...args], {
        cwd: repoRoot,
        env: { ...process.env, ...env, ...extraEnv },
      })
      return { code: 0, stdout, stderr }
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string }
      return { code: e.code, stdout: e.stdout, stderr: e.stderr }
    }
  }
  const keyFrom = (stdout: string) => /key: (\S+)/.exec(stdout)?.[1] ?? ''
  const send = (url: string, key: string, batch: unknown[]) =>
    fetch(`${url}/v1/batch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
      },
      body: JSON.stringify({ batch }),
    })

  it('refuses an option start does not take, at once: its port comes from SILLAGE_PORT', async () => {
    const refused = await sillage(['start', '--port', '9000'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(
      /^start: unknown option --port; it is set by SILLAGE_PORT \(docs\/configuration\.md\)\n\nusage: sillage start\n/,
    )
  })

  it('creates sources, inspects and replays dead letters, rotates a key, and checks the deployment', async () => {
    // Sources in a file that does not exist yet.
    const backend = await sillage(['sources', 'create', 'backend', '--type', 'server'])
    expect(backend.code).toBe(0)
    const backendKey = keyFrom(backend.stdout)
    expect(backendKey).toMatch(/^sk_/)
    const port = await freePort()
    const web = await sillage([
      'sources',
      'create',
      'web',
      '--type',
      'browser',
      '--origin',
      `http://127.0.0.1:${port}`,
    ])
    expect(keyFrom(web.stdout)).toMatch(/^wk_/)
    expect((await sillage(['sources', 'create', 'web', '--type', 'server'])).code).toBe(2)
    const listed = (await sillage(['sources', 'list'])).stdout
    expect(listed).toContain(keyFrom(web.stdout)) // browser keys are public
    expect(listed).not.toContain(backendKey) // server keys are masked
    expect(listed).toContain(backendKey.slice(0, 7))

    // A running start, with a 1 KB event limit.
    pipeline = await startPipeline({
      dataDir: dir.path,
      port,
      env: { ...env, SILLAGE_MAX_EVENT_BYTES: '1024' },
    })
    const big = {
      type: 'track',
      event: 'Big Order',
      anonymousId: 'cli-1',
      properties: { note: 'x'.repeat(1500) },
    }
    const res = await send(pipeline.url, backendKey, [
      big,
      { type: 'track', event: 42, anonymousId: 'cli-2' },
      { type: 'track', event: 'Fine', anonymousId: 'cli-3' },
    ])
    expect(((await res.json()) as { rejected: unknown[] }).rejected).toHaveLength(2)

    // Through the running process (it holds the local log).
    const inspected = await sillage(['dlq', 'inspect'])
    expect(inspected.code).toBe(0)
    expect(inspected.stdout).toContain(
      '2 dead letter(s) match (of 2 in events.invalid): SIL_EVENT_TOO_LARGE 1, SIL_EVENT_SCHEMA 1',
    )
    expect(inspected.stdout).toMatch(/backend {2}SIL_EVENT_TOO_LARGE {2}track Big Order/)
    // Past the admin endpoint's bound: a usage error naming it, not the endpoint's raw 400.
    const tooMany = await sillage(['dlq', 'inspect', '--limit', '20000'])
    expect(tooMany.code).toBe(2)
    expect(tooMany.stderr).toContain('dlq inspect: --limit is at most 10000')
    const json = await sillage(['dlq', 'inspect', '--json', '--code', 'SIL_EVENT_SCHEMA'])
    expect(JSON.parse(json.stdout)).toMatchObject({ sourceId: 'backend', payload: { event: 42 } })
    const dry = await sillage(['dlq', 'replay', '--dry-run'])
    expect(dry.stdout).toContain('0 now pass (dry run: nothing produced)')
    expect(dry.stdout).toContain('2 still fail: SIL_EVENT_TOO_LARGE 1, SIL_EVENT_SCHEMA 1')
    const doctor = await sillage(['doctor'])
    expect(doctor.code).toBe(0)
    expect(doctor.stdout).toContain('ok    migrations:')
    expect(doctor.stdout).toContain('all checks passed')

    const rotated = await sillage(['sources', 'rotate', 'backend', '--grace', '7d'])
    const newKey = keyFrom(rotated.stdout)
    expect(newKey).toMatch(/^sk_/)
    expect(rotated.stdout).toMatch(/the previous key is accepted until \d{4}-/)
    await pipeline.stop()
    pipeline = undefined

    // No start: the CLI opens the local log itself, with today's (default, 32 KB) limit.
    const replay = await sillage(['dlq', 'replay'])
    expect(replay.stdout).toContain('2 dead letter(s) read')
    expect(replay.stdout).toContain('1 now pass: produced to events.raw')
    expect(replay.stdout).toContain('1 still fail: SIL_EVENT_SCHEMA 1')
    expect((await sillage(['dlq', 'replay'])).stdout).toContain('0 dead letter(s) read')

    // The replayed event lands once; both keys of the rotated source work.
    pipeline = await startPipeline({ dataDir: dir.path, port, env })
    await waitForCount(pipeline.url, "SELECT count() AS n FROM sillage.events WHERE event = 'Big Order'", 1)
    const [row] = await query<{ n: string; source_id: string }>(
      pipeline.url,
      "SELECT count() AS n, any(source_id) AS source_id FROM sillage.events WHERE event = 'Big Order'",
    )
    expect({ ...row, n: Number(row?.n) }).toEqual({ n: 1, source_id: 'backend' })
    for (const key of [backendKey, newKey]) {
      expect(
        (await send(pipeline.url, key, [{ type: 'track', event: 'Key Check', anonymousId: 'k' }])).status,
      ).toBe(200)
    }
    expect((await sillage(['dlq', 'replay'])).stdout).toContain('0 dead letter(s) read')

    // A deployment that is not there: doctor says what fails, and exits 1.
    const broken = await sillage(['doctor'], {
      SILLAGE_DATA_DIR: join(dir.path, 'elsewhere'),
      SILLAGE_BUS: 'kafka',
      KAFKA_BROKERS: '127.0.0.1:1',
    })
    expect(broken.code).toBe(1)
    expect(broken.stdout).toMatch(/FAIL {2}kafka bus: Kafka 127\.0\.0\.1:1: .*Kafka unavailable/)
    expect(broken.stdout).toMatch(/FAIL {2}migrations: none applied/)
    expect(broken.stdout).toContain('run npx -y pnpm@10.34.8 sillage migrate') // runnable as printed
    expect(broken.stdout).toContain('some checks failed')
  })
})
