/**
 * The standalone service (main.ts) reads the sources (SILLAGE_SOURCES or SILLAGE_SOURCES_FILE) and
 * the admin token as the collector does: a read key equal to a write key or the token stops it,
 * and the browser-safe route answers the browser sources' keys. Built as main.ts builds it, from
 * loadProfilesServiceConfig, on real chDB.
 */
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { openShopWarehouse, type ShopWarehouse } from '../../../tests/helpers/shop.js'
import { loadProfilesServiceConfig } from './config.js'
import { ProfileError } from './errors.js'
import { createProfilesStack, type ProfilesStack } from './stack.js'

const BROWSER_KEY = 'wk_browser_standalone_0123'
const ROTATED_KEY = 'wk_browser_rotated_01234'
const SERVER_KEY = 'wk_server_standalone_0123'
const ADMIN_TOKEN = 'admin_standalone_0123456789'
const SOURCES = [
  {
    id: 'web',
    type: 'browser',
    writeKey: BROWSER_KEY,
    allowedOrigins: ['https://shop.example'],
    previousWriteKeys: [{ writeKey: ROTATED_KEY, expiresAt: '2999-01-01T00:00:00Z' }],
  },
  { id: 'backend', type: 'server', writeKey: SERVER_KEY },
]
const readKeys = (key: string) => JSON.stringify([{ id: 'crm', key, sources: ['*'] }])
const env = (key: string) => ({
  KAFKA_BROKERS: 'k:9092',
  SILLAGE_SOURCES: JSON.stringify(SOURCES),
  SILLAGE_ADMIN_TOKEN: ADMIN_TOKEN,
  SILLAGE_PROFILE_READ_KEYS: readKeys(key),
})

let wh: ShopWarehouse
beforeAll(async () => {
  wh = await openShopWarehouse()
})
afterAll(async () => {
  await wh?.close()
})

/** The stack as main.ts builds it from the service's config. */
function stackOf(config: ReturnType<typeof loadProfilesServiceConfig>): ProfilesStack {
  return createProfilesStack({
    warehouse: wh.warehouse,
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
    options: config.profiles,
    writeKeys: config.writeKeys,
    adminToken: config.adminToken,
    browserSources: config.browserSources,
  })
}

describe('the standalone profiles service, with the sources and the admin token', () => {
  it.each([
    ['a browser write key', BROWSER_KEY],
    ['a rotated-out write key', ROTATED_KEY],
    ['a server write key', SERVER_KEY],
    ['the admin token', ADMIN_TOKEN],
  ])('refuses a read key equal to %s at start (SIL_PROFILE_CONFIG_INVALID)', (_what, key) => {
    expect(() => loadProfilesServiceConfig(env(key))).toThrow(/SIL_PROFILE_CONFIG_INVALID.*crm/)
    // The stack refuses it too, given what the config read.
    const config = loadProfilesServiceConfig({ ...env('rk_standalone_0123456789abcdef') })
    let refused: unknown
    try {
      createProfilesStack({
        warehouse: wh.warehouse,
        log: createLogger({ level: 'silent' }),
        registry: createMetricsRegistry({ defaultMetrics: false }),
        options: { ...config.profiles, readKeys: [{ id: 'crm', key, sources: ['*'] }] },
        writeKeys: config.writeKeys,
        adminToken: config.adminToken,
        browserSources: config.browserSources,
      })
    } catch (err) {
      refused = err
    }
    expect(refused).toBeInstanceOf(ProfileError)
    expect((refused as ProfileError).code).toBe('SIL_PROFILE_CONFIG_INVALID')
  })

  it('answers the browser route for a browser source’s keys, from its allowed origin only', async () => {
    const config = loadProfilesServiceConfig(env('rk_standalone_0123456789abcdef'))
    expect(config.browserSources.map((s) => s.id)).toEqual(['web'])
    const stack = stackOf(config)
    const app = Fastify()
    stack.register(app)
    await app.ready()
    try {
      await stack.refreshNow()
      const get = (key: string, origin = 'https://shop.example') =>
        app.inject({
          url: `/v1/me/recommendations?writeKey=${key}`,
          headers: { origin, cookie: 'sil_aid=anon-standalone' },
        })
      for (const key of [BROWSER_KEY, ROTATED_KEY]) {
        const res = await get(key)
        expect(res.statusCode, key).toBe(200)
        expect(res.headers['access-control-allow-origin']).toBe('https://shop.example')
      }
      expect((await get(BROWSER_KEY, 'https://evil.example')).statusCode).toBe(403)
      // A server key is no browser key.
      expect((await get(SERVER_KEY)).statusCode).toBe(401)
    } finally {
      await app.close()
      await stack.stop()
    }
  })
})
