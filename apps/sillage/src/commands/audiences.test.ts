import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'

// `sillage audiences sync` while `sillage start` runs on the data dir goes through its admin API,
// and the deliveries use start's environment: a SILLAGE_DESTINATION_SECRET_<ID> set only on the
// CLI's command line is not used (docs/activation.md, "End to end"). The CLI says so.
const calls: string[] = []
vi.mock('../admin-client.js', () => ({
  runningStart: () => ({
    url: 'http://127.0.0.1:8080',
    call: async (method: string, path: string) => {
      calls.push(`${method} ${path}`)
      return JSON.stringify({
        synced: [{ audienceId: 'dormant', members: 2, entered: 2, exited: 0 }],
        delivered: [{ destination: 'winback', delivered: 0, dead: 0, skipped: 0, breakerOpen: false }],
      })
    },
  }),
}))

const { audiencesCommand } = await import('./audiences.js')

const dir = mkdtempSync(join(tmpdir(), 'sillage-audiences-'))
const saved = { ...process.env }
beforeAll(() => {
  process.env['SILLAGE_DATA_DIR'] = dir
  delete process.env['CLICKHOUSE_URL']
})
afterEach(() => {
  delete process.env['SILLAGE_DESTINATION_SECRET_WINBACK']
  vi.restoreAllMocks()
  calls.length = 0
})
afterAll(() => {
  process.env = saved
  rmSync(dir, { recursive: true, force: true })
})

async function sync(): Promise<{ stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true))
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true))
  await audiencesCommand.run(['sync'])
  vi.restoreAllMocks()
  return { stdout, stderr }
}

describe('sillage audiences sync through a running start', () => {
  it('says that a destination secret set on the command line is not the running start’s', async () => {
    process.env['SILLAGE_DESTINATION_SECRET_WINBACK'] = 'whsec_test'
    const { stdout, stderr } = await sync()
    expect(calls).toEqual(['POST /admin/audiences/sync'])
    expect(stdout.trim().split('\n')).toHaveLength(2)
    expect(stderr).toContain(
      'SILLAGE_DESTINATION_SECRET_WINBACK is set here, but the running sillage start (http://127.0.0.1:8080) delivers with its own environment',
    )
  })

  it('prints no note without such a variable', async () => {
    const { stderr } = await sync()
    expect(stderr).toBe('')
  })
})
