import type { EcommerceEvent } from '@sillage/schemas'

/**
 * The e-commerce helpers' check. The typed properties of the Segment E-commerce v2 events are
 * @sillage/schemas' (written once for both SDKs), re-exported here as the SDK's own.
 */
export type {
  Product,
  LineItem,
  OrderCompletedProperties,
  OrderRefundedProperties,
  CartProperties,
  ProductProperties,
  OrderProperties,
  EcommerceEvents,
  EcommerceEvent,
} from '@sillage/schemas'

/** Checks the fields a warehouse join needs; returns a problem, or undefined. */
export function checkEcommerce(event: EcommerceEvent, props: Record<string, unknown>): string | undefined {
  const needsOrder = event.startsWith('Order ')
  if (needsOrder && (typeof props['order_id'] !== 'string' || props['order_id'] === ''))
    return `${event} needs properties.order_id`
  if (event === 'Order Completed') {
    if (typeof props['total'] !== 'number' || !Number.isFinite(props['total']))
      return 'Order Completed needs a numeric properties.total'
    if (typeof props['currency'] !== 'string' || props['currency'] === '')
      return 'Order Completed needs properties.currency'
  }
  const products = props['products']
  if (products !== undefined) {
    if (!Array.isArray(products)) return `${event}: properties.products must be an array`
    for (const [i, p] of (products as unknown[]).entries()) {
      const id = (p as { product_id?: unknown } | null)?.product_id
      if (typeof id !== 'string' || id === '') return `${event}: products[${i}].product_id is missing`
    }
  } else if (event === 'Order Completed') {
    return 'Order Completed needs properties.products (its line items)'
  }
  if (event.startsWith('Product ') && (typeof props['product_id'] !== 'string' || props['product_id'] === ''))
    return `${event} needs properties.product_id`
  return undefined
}
