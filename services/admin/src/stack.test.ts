/**
 * The standalone admin server (pipeline mode) answers what its router refuses (a request id too
 * long for a path parameter, a malformed URL) with a SIL_ code, as every other admin error.
 */
import { afterAll, describe, expect, it } from 'vitest'
import type { Bus } from '@sillage/bus'
import { createLogger } from '@sillage/runtime'
import type { Warehouse } from '@sillage/warehouse'
import { createAdminStack } from './stack.js'

const TOKEN = 'admin-token-0123456789abcdef'
const stack = createAdminStack({
  // Never reached: nothing below is a request id the store is asked about.
  warehouse: { client: {}, database: 'sillage' } as unknown as Warehouse,
  bus: {} as Bus,
  log: createLogger({ level: 'silent' }),
  token: TOKEN,
})
afterAll(() => stack.app.close())

describe('the standalone admin server', () => {
  it.each([
    [
      'a request id of 300 characters',
      `/admin/privacy/erasure/${'x'.repeat(300)}`,
      404,
      'SIL_PRIVACY_REQUEST_NOT_FOUND',
    ],
    ['a request id of 2,000 characters', `/admin/privacy/erasure/${'x'.repeat(2000)}`, 404, 'SIL_NOT_FOUND'],
    ['a malformed URL', '/admin/privacy/erasure/%E0%A4%A', 404, 'SIL_NOT_FOUND'],
  ])('answers %s with a SIL_ code', async (_what, url, status, code) => {
    const res = await stack.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${TOKEN}` } })
    expect([res.statusCode, res.json<{ code?: string }>().code]).toEqual([status, code])
  })
})
