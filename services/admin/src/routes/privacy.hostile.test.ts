/**
 * A hostile sweep of `/admin/privacy/*`: subjects of every shape, credentials that are not the
 * admin token, bodies that are not JSON or too large, concurrent erasures, large exports and the
 * logs. The routes over the real privacy service, with an in-memory store and bus; pino's output
 * captured through an injected stream.
 */
import { Writable } from 'node:stream'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Bus } from '@sillage/bus'
import { createLogger } from '@sillage/runtime'
import type { DeletionRequestRow, PersonTable, PrivacyRepository } from '@sillage/warehouse'
import { identityNormaliser } from '../privacy-admin.js'
import { createPrivacyService } from '../pipeline/privacy-service.js'
import { registerPrivacyRoutes } from './privacy.route.js'

const TOKEN = 'admin-token-0123456789abcdef'
const WRITE_KEY = 'wk_browser_0123456789abcdef'
const READ_KEY = 'rk_read_0123456789abcdef'
const PERSON = 'ab'.repeat(16)

interface FakeStore {
  calls: Record<string, number>
  requests: Map<string, DeletionRequestRow>
  /** Rows per table the person has (count and exportRows). */
  rows: number
  /** Held until released: lets two erasures overlap. */
  gate?: Promise<void>
}

function createFakeStore(state: FakeStore): PrivacyRepository {
  const hit = (name: string) => (state.calls[name] = (state.calls[name] ?? 0) + 1)
  const events = { table: 'events' } as unknown as PersonTable
  const store = {
    database: 'sillage',
    async resolve() {
      hit('resolve')
      await state.gate
      return { persons: [PERSON], identifiers: [{ type: 'user_id', value: 'u-1' }] }
    },
    async tables() {
      return [events]
    },
    async count() {
      hit('count')
      return state.rows > 0 ? { events: state.rows } : {}
    },
    async erase() {
      hit('erase')
      return { events: 1 }
    },
    async exportRows() {
      hit('exportRows')
      return {
        events: Array.from({ length: state.rows }, (_, i) => ({ message_id: `m${i}`, properties: '{}' })),
      }
    },
    async messageIds() {
      return []
    },
    async viewRows() {
      return undefined
    },
    async insertSuppressions() {
      hit('insertSuppressions')
    },
    async recordRequest(row: DeletionRequestRow) {
      state.requests.set(row.request_id, row)
    },
    async getRequest(id: string) {
      hit('getRequest')
      return state.requests.get(id)
    },
  }
  return store as unknown as PrivacyRepository
}

const bus = {
  async produce() {},
  async offsets() {
    return []
  },
} as unknown as Bus

let app: FastifyInstance
let state: FakeStore
let logs: string[]

function build(options: { maxExportRows?: number } = {}) {
  logs = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'))
      done()
    },
  })
  const log = createLogger({ level: 'trace', destination: stream })
  app = Fastify({ loggerInstance: log as FastifyBaseLogger })
  const privacy = createPrivacyService({
    store: createFakeStore(state),
    bus,
    log,
    normalise: identityNormaliser(),
    ...options,
  })
  registerPrivacyRoutes(app, { token: TOKEN, privacy })
}

beforeEach(() => {
  state = { calls: {}, requests: new Map(), rows: 1 }
  build()
})
afterEach(async () => {
  await app.close()
})

const post = (path: string, payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: `/admin/privacy${path}`,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    payload: typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
  })
const codeOf = (res: { statusCode: number; json: () => unknown }) => [
  res.statusCode,
  (res.json() as { code?: string }).code,
]

describe('hostile subjects', () => {
  it.each([
    ['email', 'Jane.Doe@Example.com'],
    ['phone', '+33 6 12 34 56 78'],
    ['user_id', 'u-1'],
    ['anonymous_id', '0b7c1d2e-aaaa-4bbb-8ccc-123456789abc'],
    ['device_id', 'idfa-1'],
    ['loyalty_card', 'LC-0042'],
    ['person_id', PERSON],
    ['user_id', 'ユーザー-é-😀'],
  ])('erases and exports a valid %s', async (type, value) => {
    expect((await post('/erasure', { type, value })).statusCode).toBe(200)
    expect((await post('/export', { type, value })).statusCode).toBe(200)
  })

  it.each([
    ['an empty value', { type: 'user_id', value: '' }, 400, 'SIL_PRIVACY_REQUEST_INVALID'],
    ['a whitespace value', { type: 'user_id', value: ' \t ' }, 400, 'SIL_PRIVACY_IDENTIFIER_INVALID'],
    [
      'a value of 513 characters',
      { type: 'user_id', value: 'u'.repeat(513) },
      400,
      'SIL_PRIVACY_REQUEST_INVALID',
    ],
    ['a NUL in the value', { type: 'user_id', value: 'u-1\u0000' }, 400, 'SIL_PRIVACY_IDENTIFIER_INVALID'],
    ['a control character', { type: 'user_id', value: 'u-\u00071' }, 400, 'SIL_PRIVACY_IDENTIFIER_INVALID'],
    ['a lone surrogate', { type: 'user_id', value: 'u-\ud800' }, 400, 'SIL_PRIVACY_IDENTIFIER_INVALID'],
    ['a value that is an array', { type: 'user_id', value: ['u-1'] }, 400, 'SIL_PRIVACY_REQUEST_INVALID'],
    [
      'a value that is an object',
      { type: 'user_id', value: { $ne: '' } },
      400,
      'SIL_PRIVACY_REQUEST_INVALID',
    ],
    ['a value that is null', { type: 'user_id', value: null }, 400, 'SIL_PRIVACY_REQUEST_INVALID'],
    ['a value that is a boolean', { type: 'user_id', value: true }, 400, 'SIL_PRIVACY_REQUEST_INVALID'],
    ['a type that is an array', { type: ['email'], value: 'a@b.co' }, 400, 'SIL_PRIVACY_REQUEST_INVALID'],
    ['a type with a colon', { type: 'user_id:x', value: 'a' }, 400, 'SIL_PRIVACY_REQUEST_INVALID'],
    ['an unknown field', { type: 'user_id', value: 'u-1', scope: 'all' }, 400, 'SIL_PRIVACY_REQUEST_INVALID'],
    [
      'a reference that is an object',
      { type: 'user_id', value: 'u-1', reference: {} },
      400,
      'SIL_PRIVACY_REQUEST_INVALID',
    ],
    ['a body that is an array', [{ type: 'user_id', value: 'u-1' }], 400, 'SIL_PRIVACY_REQUEST_INVALID'],
    ['a body that is a string', '"user_id"', 400, 'SIL_PRIVACY_REQUEST_INVALID'],
    ['a body that is null', 'null', 400, 'SIL_PRIVACY_REQUEST_INVALID'],
    ['an invalid email', { type: 'email', value: 'not an email' }, 400, 'SIL_PRIVACY_IDENTIFIER_INVALID'],
    ['an invalid person id', { type: 'person_id', value: 'zz' }, 400, 'SIL_PRIVACY_IDENTIFIER_INVALID'],
  ])('refuses %s with a stable code and does no work', async (_what, body, status, code) => {
    for (const path of ['/erasure', '/export', '/consent']) {
      const res = await post(path, body)
      expect(codeOf(res), path).toEqual([status, code])
    }
    expect(state.calls['resolve']).toBeUndefined()
    expect(state.requests.size).toBe(0)
  })

  it('refuses a value of 1 MB with 413 SIL_PRIVACY_BODY_TOO_LARGE', async () => {
    const res = await post('/erasure', { type: 'user_id', value: 'u'.repeat(1024 * 1024) })
    expect(codeOf(res)).toEqual([413, 'SIL_PRIVACY_BODY_TOO_LARGE'])
    // Far below the server's own limit: a subject is a few hundred bytes.
    const big = await post('/erasure', {
      type: 'user_id',
      value: 'u-1',
      reference: 'r'.repeat(200) + ' '.repeat(20_000),
    })
    expect(codeOf(big)).toEqual([413, 'SIL_PRIVACY_BODY_TOO_LARGE'])
    expect(state.calls['resolve']).toBeUndefined()
  })
})

describe('bodies that are not JSON', () => {
  it('refuses malformed JSON with 400 and another media type with 415, both with a code', async () => {
    expect(codeOf(await post('/erasure', '{"type":'))).toEqual([400, 'SIL_PRIVACY_REQUEST_INVALID'])
    expect(
      codeOf(
        await post('/erasure', 'type=user_id&value=u-1', {
          'content-type': 'application/x-www-form-urlencoded',
        }),
      ),
    ).toEqual([415, 'SIL_PRIVACY_UNSUPPORTED_MEDIA_TYPE'])
    expect(
      codeOf(
        await post('/erasure', JSON.stringify({ type: 'user_id', value: 'u-1' }), {
          'content-type': 'text/plain',
        }),
      ),
    ).toEqual([415, 'SIL_PRIVACY_UNSUPPORTED_MEDIA_TYPE'])
    expect(state.calls['resolve']).toBeUndefined()
  })
})

describe('credentials', () => {
  it.each([
    ['none', undefined],
    ['an empty bearer', 'Bearer '],
    ['a wrong token', 'Bearer admin-token-0123456789abcdeX'],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token with more after it', `Bearer ${TOKEN}x`],
    ['the token in Basic', `Basic ${Buffer.from(`${TOKEN}:`).toString('base64')}`],
    ['a write key', `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`],
    ['a write key as bearer', `Bearer ${WRITE_KEY}`],
    ['a read key', `Bearer ${READ_KEY}`],
    ['the token twice', `Bearer ${TOKEN}, Bearer ${TOKEN}`],
  ])('refuses %s with 401 on every endpoint, before reading the body', async (_what, authorization) => {
    for (const [method, url] of [
      ['POST', '/admin/privacy/erasure'],
      ['POST', '/admin/privacy/export'],
      ['POST', '/admin/privacy/consent'],
      ['GET', '/admin/privacy/erasure/00000000-0000-4000-8000-000000000000'],
    ] as const) {
      const res = await app.inject({
        method,
        url,
        headers: {
          'content-type': 'application/json',
          ...(authorization !== undefined && { authorization }),
        },
        ...(method === 'POST' && { payload: '{"type":' }),
      })
      expect(codeOf(res), `${method} ${url}`).toEqual([401, 'SIL_ADMIN_UNAUTHORIZED'])
    }
    expect(state.calls).toEqual({})
  })
})

describe('erasure requests', () => {
  it('answers an unknown request id with 404 SIL_PRIVACY_REQUEST_NOT_FOUND, and a malformed one without a query', async () => {
    const get = (id: string) =>
      app.inject({
        method: 'GET',
        url: `/admin/privacy/erasure/${id}`,
        headers: { authorization: `Bearer ${TOKEN}` },
      })
    expect(codeOf(await get('00000000-0000-4000-8000-000000000000'))).toEqual([
      404,
      'SIL_PRIVACY_REQUEST_NOT_FOUND',
    ])
    expect(state.calls['getRequest']).toBe(1)
    for (const id of [
      'nope',
      encodeURIComponent("' OR 1=1 --"),
      'x'.repeat(90),
      '%00',
      '00000000-0000-4000-8000-00000000000G',
    ]) {
      expect(codeOf(await get(id)), id).toEqual([404, 'SIL_PRIVACY_REQUEST_NOT_FOUND'])
    }
    expect(state.calls['getRequest']).toBe(1)
  })

  it('runs the same erasure requested twice at once only once, and both answers agree', async () => {
    let release!: () => void
    let handling = 0
    app.addHook('preHandler', async () => {
      handling++
    })
    state.gate = new Promise<void>((resolve) => (release = resolve))
    const subject = { type: 'email', value: 'Jane.Doe@example.com' }
    const first = post('/erasure', subject)
    const second = post('/erasure', { ...subject, value: ' jane.doe@EXAMPLE.com ' })
    // Released once both have reached their handler: the second arrives while the first runs.
    while (handling < 2) await new Promise((resolve) => setImmediate(resolve))
    release()
    const [a, b] = await Promise.all([first, second])
    expect([a.statusCode, b.statusCode]).toEqual([200, 200])
    const [ra, rb] = [a.json<Record<string, unknown>>(), b.json<Record<string, unknown>>()]
    expect(rb['requestId']).toBe(ra['requestId'])
    expect(state.requests.size).toBe(1)
    expect(state.calls['erase']).toBe(2) // the first pass and the catch-up pass of one erasure
    const status = await app.inject({
      method: 'GET',
      url: `/admin/privacy/erasure/${String(ra['requestId'])}`,
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    expect(status.json<{ request: { status: string } }>().request.status).toBe('completed')
    // Once it has completed, asking again runs it again (idempotent: nothing more to delete).
    const again = await post('/erasure', subject)
    expect(again.json<Record<string, unknown>>()['requestId']).not.toBe(ra['requestId'])
  })
})

describe('export size', () => {
  it('refuses an export above the row cap with 413 SIL_PRIVACY_EXPORT_TOO_LARGE, before reading the rows', async () => {
    await app.close()
    state.rows = 11
    build({ maxExportRows: 10 })
    const res = await post('/export', { type: 'user_id', value: 'u-1' })
    expect(codeOf(res)).toEqual([413, 'SIL_PRIVACY_EXPORT_TOO_LARGE'])
    expect(state.calls['exportRows']).toBeUndefined()
    state.rows = 10
    expect((await post('/export', { type: 'user_id', value: 'u-1' })).statusCode).toBe(200)
  })
})

describe('logs', () => {
  it('never contain the raw identifiers, whatever the outcome', async () => {
    const secrets = ['Jane.Secret@example.com', '+33 6 99 88 77 66', 'user-secret-42', 'loyal-secret-7']
    const bodies = [
      { type: 'email', value: secrets[0] },
      { type: 'phone', value: secrets[1] },
      { type: 'user_id', value: secrets[2] },
      { type: 'loyalty_card', value: secrets[3], reference: 'T-1' },
    ]
    for (const body of bodies) {
      await post('/erasure', body)
      await post('/export', body)
      await post('/consent', body)
      await post('/erasure', { ...body, extra: 1 })
      await post('/erasure', `{"type":"${body.type}","value":"${body.value}"`)
    }
    // A failing store: the erasure fails and is logged with its cause.
    state.gate = Promise.reject(new Error(`store down while resolving ${secrets[2]}`))
    state.gate.catch(() => {})
    expect((await post('/erasure', bodies[2])).statusCode).toBe(503)
    const text = logs.join('')
    expect(text).toContain('erasure failed')
    for (const secret of [...secrets, 'jane.secret@example.com', '+33699887766']) {
      expect(text).not.toContain(secret)
    }
  })
})
