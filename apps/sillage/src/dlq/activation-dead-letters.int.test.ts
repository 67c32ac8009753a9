import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createDeadLetters, type DeliveryItem } from '@sillage/activation'
import { createLocalBus, defaultTopicSpecs } from '@sillage/bus'
import type { Warehouse } from '@sillage/warehouse'
import { registerAdminOpsRoutes } from '../admin-ops.route.js'
import { UsageError } from '../commands/command.js'
import { dlqCommand } from '../commands/dlq.js'
import { paths } from '../data-dir.js'
import { inspectActivationDeadLetters, type ActivationInspectResult } from './activation-dead-letters.js'

// Dead letters written by activation's own writer (createDeadLetters, as the delivery worker
// calls it) to the data dir's real local log, then read by `sillage dlq inspect --topic activation`
// (no start running: the command opens the log itself) and by the running start's admin endpoint.
const dir = mkdtempSync(join(tmpdir(), 'sillage-activation-dlq-'))
const saved = { ...process.env }
const item = (id: string, personId: string): DeliveryItem => ({
  id,
  type: 'audience.entered',
  source: 'dormant',
  personId,
  userId: '',
  emailSha256: 'e'.repeat(64),
  phoneSha256: '',
  at: '2026-03-01T09:00:00.000Z',
})
const marked: string[] = []
// The deliveries ledger (ClickHouse) is not what is read here: the writer's call to it is recorded.
const store = {
  mark: async (_d: string, ids: readonly string[]) => void marked.push(...ids),
} as unknown as Parameters<typeof createDeadLetters>[0]['store']

beforeAll(async () => {
  process.env['SILLAGE_DATA_DIR'] = dir
  process.env['SILLAGE_BUS'] = 'local'
  const bus = createLocalBus({ dir: paths(dir).bus })
  await bus.ensureTopics(defaultTopicSpecs(1))
  const times = [Date.parse('2026-03-01T10:00:00Z'), Date.parse('2026-03-02T10:00:00Z')]
  const deadLetter = createDeadLetters({ bus, store, now: () => times.shift() ?? Date.now() })
  await deadLetter('crm', [item('m1', 'p1'), item('m2', 'p2')], 'HTTP 410', 1)
  await deadLetter('ads', [item('m3', 'p3')], 'timed out after 10000 ms', 8)
  await bus.close()
})
afterEach(() => vi.restoreAllMocks())
afterAll(() => {
  process.env = saved
  rmSync(dir, { recursive: true, force: true })
})

async function run(args: string[]): Promise<string> {
  let stdout = ''
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true))
  try {
    await dlqCommand.run(args)
  } finally {
    vi.restoreAllMocks()
  }
  return stdout
}

describe('sillage dlq inspect --topic activation', () => {
  it('lists the dead letters with their destination, reason and items, and a count per destination', async () => {
    const out = await run(['inspect', '--topic', 'activation'])
    const lines = out.trim().split('\n')
    expect(lines[0]).toBe('2 dead letter(s) match, 3 item(s) (of 2 in activation.deadletters): crm 1, ads 1')
    expect(lines[1]).toMatch(
      /^2026-03-01T10:00:00.000Z {2}crm {2}HTTP 410 {2}2 item\(s\) {2}\(1 attempt\(s\); batch [0-9a-f]{12}; 0:0\)$/,
    )
    expect(lines[2]).toMatch(/^2026-03-02T10:00:00.000Z {2}ads {2}timed out after 10000 ms {2}1 item\(s\)/)
    expect(marked).toEqual(['m1', 'm2', 'm3'])
    // Read with a throwaway group that commits nothing.
    expect(readdirSync(join(paths(dir).bus, '__offsets'))).toEqual([])
  })

  it('filters by --destination, --since and --limit, and prints whole letters with --json', async () => {
    const crm = (await run(['inspect', '--topic', 'activation', '--destination', 'crm', '--json']))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(crm).toEqual([
      expect.objectContaining({
        destination: 'crm',
        reason: 'HTTP 410',
        attempts: 1,
        at: '2026-03-01T10:00:00.000Z',
        items: [item('m1', 'p1'), item('m2', 'p2')],
      }),
    ])
    const since = await run(['inspect', '--topic', 'activation', '--since', '2026-03-02', '--json'])
    expect(
      since
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { destination: string }).destination),
    ).toEqual(['ads'])
    const latest = await run(['inspect', '--topic', 'activation', '--limit', '1'])
    expect(latest).toContain('ads  timed out')
    expect(latest).not.toContain('crm  HTTP 410')
    expect(latest).toContain('… the latest 1 shown')
  })

  it('refuses the events filters, and any replay of activation dead letters', async () => {
    await expect(run(['inspect', '--topic', 'activation', '--code', 'SIL_EVENT_SCHEMA'])).rejects.toThrow(
      UsageError,
    )
    await expect(run(['inspect', '--topic', 'activation', '--since', 'yesterday'])).rejects.toThrow(/--since/)
    await expect(run(['replay', '--topic', 'activation'])).rejects.toThrow(
      /activation dead letters are not replayed/,
    )
  })

  it('is served by a running start (GET /admin/dlq/activation) from the same log', async () => {
    const bus = createLocalBus({ dir: paths(dir).bus })
    const app = Fastify()
    registerAdminOpsRoutes(app, {
      bus,
      warehouse: {} as Warehouse,
      sources: [],
      maxEventBytes: 32_768,
      rawPartitions: 1,
      token: 'admin_token_0123456789',
    })
    try {
      const res = await app.inject({
        method: 'GET',
        url: '/admin/dlq/activation?destination=ads&limit=5',
        headers: { authorization: 'Bearer admin_token_0123456789' },
      })
      expect(res.statusCode).toBe(200)
      const body = res.json<ActivationInspectResult>()
      expect(body).toMatchObject({ scanned: 2, matched: 1, items: 1, byDestination: { ads: 1 } })
      expect(body.letters[0]?.items).toEqual([item('m3', 'p3')])
      const unauthorized = await app.inject({ method: 'GET', url: '/admin/dlq/activation' })
      expect(unauthorized.json()).toMatchObject({ code: 'SIL_ADMIN_UNAUTHORIZED' })
      // The reader itself, without the command around it.
      const direct = await inspectActivationDeadLetters(bus, {
        filter: { until: Date.parse('2026-03-02') },
        limit: 10,
      })
      expect(direct.letters.map((l) => l.destination)).toEqual(['crm'])
    } finally {
      await app.close()
      await bus.close()
    }
  })
})
