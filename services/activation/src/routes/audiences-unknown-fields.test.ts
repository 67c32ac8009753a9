import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import type { ActivationRunner } from '../audiences/activation-runner.js'
import { parseActivationFile } from '../domain/activation-file.js'
import type { StoredAudience } from '../domain/merge-definitions.js'
import { registerAudienceRoutes } from './audiences.route.js'

// The admin API driven with inject(), over an in-memory stand-in for the runner: unknown keys in an
// audience are refused with every problem named, never dropped; what the API itself answers with
// (version, origin, evaluation, …) may be sent back as read.
const token = 't'.repeat(32)
const file = parseActivationFile(
  JSON.stringify({ destinations: [{ id: 'crm', type: 'webhook', url: 'https://crm.example/hook' }] }),
)
function app() {
  const stored: StoredAudience[] = []
  const runner = {
    fileDefinitions: () => file,
    loadDefinitions: async () => file,
    audienceChanged: () => undefined,
    api: {
      refresh: async () => stored,
      serial: <T>(job: () => Promise<T>) => job(),
      store: {
        write: async (id: string, version: number, definition: Record<string, unknown>, deleted: boolean) => {
          stored.push({ id, version, definition, deleted, updatedAt: new Date(0).toISOString() })
        },
      },
    },
  } as unknown as ActivationRunner
  const server = Fastify()
  registerAudienceRoutes(server, { token, runner })
  return server
}
const call = (server: ReturnType<typeof app>, method: 'POST' | 'PUT' | 'GET', url: string, body?: object) =>
  server.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(body && { payload: body }),
  })

describe('admin audiences: unknown fields', () => {
  it('refuses a misspelt key instead of creating an audience delivered nowhere', async () => {
    const server = app()
    const res = await call(server, 'POST', '/admin/audiences', {
      id: 'buyers',
      rule: 'orders > 1',
      destination: ['crm'],
    })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({
      code: 'SIL_AUDIENCE_INVALID',
      problems: [expect.stringContaining('destination')],
    })
    expect((await call(server, 'GET', '/admin/audiences/buyers')).statusCode).toBe(404)
  })

  it('refuses a name longer than 200 characters', async () => {
    const res = await call(app(), 'POST', '/admin/audiences', {
      id: 'x',
      name: 'n'.repeat(201),
      rule: 'orders > 1',
    })
    expect(res.json()).toMatchObject({
      code: 'SIL_AUDIENCE_INVALID',
      problems: [expect.stringMatching(/^name:/)],
    })
  })

  it('takes back an audience as the API answered it (GET, edit, PUT)', async () => {
    const server = app()
    expect(
      (
        await call(server, 'POST', '/admin/audiences', {
          id: 'buyers',
          rule: 'orders > 1',
          destinations: ['crm'],
        })
      ).statusCode,
    ).toBe(201)
    const { audience } = (await call(server, 'GET', '/admin/audiences/buyers')).json<{ audience: object }>()
    expect(audience).toMatchObject({
      origin: 'api',
      readOnly: false,
      evaluation: 'stream+schedule',
      version: 1,
    })
    const res = await call(server, 'PUT', '/admin/audiences/buyers', { ...audience, rule: 'orders > 2' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ audience: { rule: 'orders > 2', version: 2 } })
  })
})
