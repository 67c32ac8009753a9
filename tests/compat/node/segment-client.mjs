// Segment's Node library (@segment/analytics-node) on its defaults, pointed at the collector.
// Sends identify, track, page and alias for one user, flushes, and exits 0 when the library
// reported no error (1 otherwise, with each error on stderr). Environment: COMPAT_HOST,
// COMPAT_WRITE_KEY, COMPAT_USER_ID, COMPAT_ANONYMOUS_ID, COMPAT_PREVIOUS_ID.
import { Analytics } from '@segment/analytics-node'

const env = process.env
const userId = env.COMPAT_USER_ID
const errors = []
const analytics = new Analytics({ writeKey: env.COMPAT_WRITE_KEY, host: env.COMPAT_HOST })
analytics.on('error', (err) => errors.push(err))

analytics.identify({
  userId,
  anonymousId: env.COMPAT_ANONYMOUS_ID,
  traits: { plan: 'gold', email: `${userId}@example.com` },
})
analytics.track({
  userId,
  event: 'Order Completed',
  properties: { order_id: `${userId}-order`, revenue: 42.5, currency: 'EUR' },
})
analytics.page({
  userId,
  name: 'Product',
  properties: { path: '/p/mug', url: 'https://shop.example/p/mug' },
})
analytics.alias({ previousId: env.COMPAT_PREVIOUS_ID, userId })
await analytics.closeAndFlush()

for (const err of errors) console.error(JSON.stringify(err, Object.getOwnPropertyNames(err)))
process.exit(errors.length > 0 ? 1 : 0)
