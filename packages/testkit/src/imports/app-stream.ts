import type { ImportPerson } from './import-types.js'

/**
 * A Segment-spec app stream (analytics-ios) of one visit: Application Installed, Application
 * Opened, two screens, the login (identify) and an order, all with `context.app` and
 * `context.device.id`: what `activity` counts as channel `app`.
 */
export function appStream(
  person: ImportPerson & { app: NonNullable<ImportPerson['app']> },
  id: string,
  t0: number,
  productId: string,
  order: { orderId: string; cents: number; items: unknown[] },
): Array<Record<string, unknown>> {
  const iso = (ms: number) => new Date(ms).toISOString()
  const app = {
    library: { name: 'analytics-ios', version: '4.1.8' },
    app: { name: 'Sillage', version: '3.4.1', build: '341' },
    device: { id: person.app.deviceId, type: 'ios' },
    os: { name: 'iOS', version: '17.5' },
  }
  const anon = { anonymousId: person.app.anonymousId }
  const { orderId, cents, items } = order
  const product = { product_id: productId }
  return [
    {
      type: 'track',
      event: 'Application Installed',
      messageId: `app-${id}-installed`,
      ...anon,
      timestamp: iso(t0),
      context: app,
      properties: { version: '3.4.1', build: '341' },
    },
    {
      type: 'track',
      event: 'Application Opened',
      messageId: `app-${id}-opened`,
      ...anon,
      timestamp: iso(t0 + 1000),
      context: app,
      properties: { from_background: false, version: '3.4.1' },
    },
    {
      type: 'screen',
      name: 'Home',
      messageId: `app-${id}-home`,
      ...anon,
      timestamp: iso(t0 + 5000),
      context: app,
      properties: {},
    },
    {
      type: 'screen',
      name: 'Product',
      messageId: `app-${id}-product`,
      ...anon,
      timestamp: iso(t0 + 30_000),
      context: app,
      properties: { product_id: product.product_id },
    },
    {
      type: 'identify',
      messageId: `app-${id}-identify`,
      ...anon,
      userId: person.userId,
      timestamp: iso(t0 + 60_000),
      context: app,
      traits: { email: person.email },
    },
    {
      type: 'track',
      event: 'Order Completed',
      messageId: `app-${id}-order`,
      ...anon,
      userId: person.userId,
      timestamp: iso(t0 + 120_000),
      context: app,
      properties: {
        order_id: orderId,
        revenue: cents / 100,
        total: cents / 100,
        currency: 'EUR',
        products: items,
      },
    },
  ]
}
