/**
 * `/admin/privacy/*` as `sillage start` mounts it, on the collector's app: the collector's body
 * parser takes any label as JSON and has its own limit, yet the admin routes refuse another media
 * type (415) and a body over their 16 KiB (413) with their own codes, before any work.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalBus, defaultTopicSpecs, type Bus } from '@sillage/bus'
import { createLogger, createMetricsRegistry } from '../packages/runtime/src/index.js'
import { registerPrivacyRoutes, type PrivacyService } from '../services/admin/src/index.js'
import { createCollectorApp } from '../services/collector/src/index.js'

const TOKEN = 'admin-token-0123456789abcdef'
const dir = mkdtempSync(join(tmpdir(), 'sillage-admin-on-collector-'))
let bus: Bus
let app: FastifyInstance
let calls = 0

beforeAll(async () => {
  bus = createLocalBus({ dir })
  await bus.ensureTopics(defaultTopicSpecs(1))
  app = createCollectorApp({
    config: { maxEventBytes: 32 * 1024, maxBatchBytes: 512 * 1024 },
    sources: [],
    bus,
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
  })
  const privacy = {
    async erase() {
      calls++
      return { requestId: 'r' }
    },
  } as unknown as PrivacyService
  registerPrivacyRoutes(app, { token: TOKEN, privacy })
  await app.ready()
})
afterAll(async () => {
  await app?.close()
  await bus?.close()
  rmSync(dir, { recursive: true, force: true })
})

const erasure = (payload: string, contentType?: string) =>
  app.inject({
    method: 'POST',
    url: '/admin/privacy/erasure',
    headers: { authorization: `Bearer ${TOKEN}`, ...(contentType && { 'content-type': contentType }) },
    payload,
  })

describe('the privacy admin routes on the collector app (sillage start)', () => {
  it('refuses another media type with 415 and a large body with 413, each with its code', async () => {
    const body = JSON.stringify({ type: 'user_id', value: 'u-1' })
    for (const type of [undefined, 'text/plain', 'application/x-www-form-urlencoded']) {
      const res = await erasure(body, type)
      expect([res.statusCode, res.json<{ code: string }>().code], String(type)).toEqual([
        415,
        'SIL_PRIVACY_UNSUPPORTED_MEDIA_TYPE',
      ])
    }
    const large = await erasure(
      JSON.stringify({ type: 'user_id', value: 'u'.repeat(100 * 1024) }),
      'application/json',
    )
    expect([large.statusCode, large.json<{ code: string }>().code]).toEqual([
      413,
      'SIL_PRIVACY_BODY_TOO_LARGE',
    ])
    expect(calls).toBe(0)
    expect((await erasure(body, 'application/json; charset=utf-8')).statusCode).toBe(200)
    expect(calls).toBe(1)
  })
})
