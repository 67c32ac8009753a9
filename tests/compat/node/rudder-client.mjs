// RudderStack's Node library (@rudderstack/rudder-sdk-node) on its defaults, pointed at the
// collector. Sends identify, track, page and alias for one user, flushes, and exits 0 when the
// library reported no error (1 otherwise, with each error on stderr). Environment: COMPAT_HOST,
// COMPAT_WRITE_KEY, COMPAT_USER_ID, COMPAT_ANONYMOUS_ID, COMPAT_PREVIOUS_ID.
import Analytics from '@rudderstack/rudder-sdk-node'

const env = process.env
const userId = env.COMPAT_USER_ID
const errors = []
const delivered = []
// Each call's callback runs once its batch is answered: with no error when it was accepted.
const sent = (type) => (err) => (err ? errors.push(`${type}: ${err.message}`) : delivered.push(type))
const analytics = new Analytics(env.COMPAT_WRITE_KEY, { dataPlaneUrl: env.COMPAT_HOST })

analytics.identify(
  { userId, anonymousId: env.COMPAT_ANONYMOUS_ID, traits: { plan: 'gold', email: `${userId}@example.com` } },
  sent('identify'),
)
analytics.track(
  {
    userId,
    event: 'Order Completed',
    properties: { order_id: `${userId}-order`, revenue: 42.5, currency: 'EUR' },
  },
  sent('track'),
)
analytics.page(
  { userId, name: 'Product', properties: { path: '/p/mug', url: 'https://shop.example/p/mug' } },
  sent('page'),
)
analytics.alias({ previousId: env.COMPAT_PREVIOUS_ID, userId }, sent('alias'))
// The first call is sent at once; flush() sends the rest. Errors are reported through the callbacks.
await analytics.flush().catch(() => {})
await new Promise((resolve) => {
  const check = () => (errors.length + delivered.length >= 4 ? resolve() : setTimeout(check, 50))
  check()
})

for (const err of errors) console.error(err)
process.exit(errors.length > 0 ? 1 : 0)
