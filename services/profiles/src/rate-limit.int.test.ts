/**
 * The profile API's rate limit as the stack wires it (docs/profiles.md#keys-scope-privacy): per
 * read key, and per cookie on the browser route, in tables of their own, so that cookies anyone
 * can mint never give an exhausted read key its allowance back. Real chDB (an empty shop); the
 * limiters keep 2,000 buckets here instead of 100,000, so that the flood stays small.
 */
import Fastify from 'fastify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { TEST_PROFILE_OPTIONS } from '../../../tests/helpers/profile-options.js'
import { openShopWarehouse, type ShopWarehouse } from '../../../tests/helpers/shop.js'
import { createProfilesStack } from './stack.js'

const READ_KEY = 'rk_limit_0123456789abcdef'
const BROWSER_KEY = 'wk_limit_browser_0123'
const BUCKETS = 200
/** More cookies than a limiter keeps buckets for. */
const COOKIES = BUCKETS + 1

let shop: ShopWarehouse
beforeAll(async () => {
  shop = await openShopWarehouse()
})
afterAll(async () => {
  await shop?.close()
})

it('keeps an exhausted read key refused while the browser route sees more cookies than it keeps buckets', async () => {
  const stack = createProfilesStack({
    warehouse: shop.warehouse,
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
    options: {
      ...TEST_PROFILE_OPTIONS,
      rateLimitPerMinute: 2,
      readKeys: [{ id: 'crm', key: READ_KEY, sources: ['*'] }],
    },
    browserSources: [{ id: 'web', writeKey: BROWSER_KEY, allowedOrigins: ['*'] }],
    rateLimitBuckets: BUCKETS,
  })
  const app = Fastify({ logger: false })
  stack.register(app)
  const lookup = () =>
    app.inject({ url: '/v1/recommendations?product_id=x', headers: { authorization: `Bearer ${READ_KEY}` } })
  try {
    let last = await lookup()
    for (let i = 0; i < 10 && last.statusCode !== 429; i++) last = await lookup()
    expect(last.statusCode).toBe(429)
    expect(last.json()).toMatchObject({ error: { code: 'SIL_PROFILE_RATE_LIMITED' } })
    for (let i = 0; i < COOKIES; i++) {
      await app.inject({
        url: `/v1/me/recommendations?writeKey=${BROWSER_KEY}`,
        headers: { cookie: `sil_aid=visitor-${i}` },
      })
    }
    const after = await lookup()
    expect(after.statusCode).toBe(429)
    expect(Number(after.headers['retry-after'])).toBeGreaterThanOrEqual(1)
  } finally {
    await app.close()
  }
}, 120_000)
