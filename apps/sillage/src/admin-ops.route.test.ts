import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLocalBus, defaultTopicSpecs, TOPICS, type Bus } from '@sillage/bus'
import { ingestItems } from '@sillage/collector'
import { sourcesSchema } from '@sillage/schemas'
import type { Warehouse } from '@sillage/warehouse'
import { registerAdminOpsRoutes } from './admin-ops.route.js'

// The admin endpoints `sillage dlq` uses on a running start, over a real local log.
const TOKEN = 'admin_ops_token_0123456789'
let dir: string
let bus: Bus
let app: FastifyInstance

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sillage-admin-ops-'))
  bus = createLocalBus({ dir })
  await bus.ensureTopics(defaultTopicSpecs(2))
  const { deadLetters } = ingestItems([{ type: 'track', event: 3, anonymousId: 'a' }], {
    receivedAt: Date.parse('2026-02-01T00:00:00Z'),
    sourceId: 'backend',
    newMessageId: () => 'unused',
    maxEventBytes: 32_768,
  })
  await bus.produce(TOPICS.invalid, deadLetters)
  app = Fastify()
  registerAdminOpsRoutes(app, {
    bus,
    // Only /admin/doctor reads the warehouse; these tests do not call it.
    warehouse: {} as Warehouse,
    sources: sourcesSchema.parse([{ id: 'backend', writeKey: 'sk_server_0123456789', type: 'server' }]),
    maxEventBytes: 32_768,
    rawPartitions: 2,
    token: TOKEN,
  })
})
afterEach(async () => {
  await app.close()
  await bus.close()
  rmSync(dir, { recursive: true, force: true })
})

const auth = { authorization: `Bearer ${TOKEN}` }

describe('admin dlq endpoints', () => {
  it('refuse without the admin token, and a write key is no admin token', async () => {
    for (const headers of [{}, { authorization: 'Bearer sk_server_0123456789' }]) {
      const res = await app.inject({ method: 'GET', url: '/admin/dlq', headers })
      expect(res.statusCode).toBe(401)
      expect(res.json()).toMatchObject({ code: 'SIL_ADMIN_UNAUTHORIZED' })
    }
    const replay = await app.inject({ method: 'POST', url: '/admin/dlq/replay', payload: {} })
    expect(replay.statusCode).toBe(401)
  })

  it('inspect and replay with filters; malformed filters are a 400 naming the field', async () => {
    const inspect = await app.inject({
      method: 'GET',
      url: '/admin/dlq?code=SIL_EVENT_SCHEMA&limit=5',
      headers: auth,
    })
    expect(inspect.statusCode).toBe(200)
    expect(inspect.json()).toMatchObject({ matched: 1, byCode: { SIL_EVENT_SCHEMA: 1 } })

    const bad = await app.inject({ method: 'GET', url: '/admin/dlq?since=yesterday&limit=-1', headers: auth })
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({
      code: 'SIL_ADMIN_INVALID',
      message: expect.stringMatching(/since.*limit|limit.*since/),
    })

    const replay = await app.inject({
      method: 'POST',
      url: '/admin/dlq/replay',
      headers: auth,
      payload: { dryRun: true },
    })
    expect(replay.json()).toMatchObject({ read: 1, passed: 0, stillFailing: { SIL_EVENT_SCHEMA: 1 } })
  })
})
