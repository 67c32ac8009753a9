/**
 * The built-in tracking plan (docs/tracking-plans.md): the Segment E-commerce v2 events, with the
 * fields Sillage's models read (orders, order_items, carts, daily_kpis, customer_360). JSON Schema
 * draft-07 over each event's `properties`; extra properties are always allowed.
 */

const text = { type: 'string', minLength: 1 }
const money = { type: 'number' }
const currency = { type: 'string', pattern: '^[A-Za-z]{3}$' }

/** One product, as Product Viewed/Added/Removed carry it and as an item of `products`. */
const productFields = {
  product_id: text,
  sku: { type: 'string' },
  name: { type: 'string' },
  category: { type: 'string' },
  brand: { type: 'string' },
  variant: { type: 'string' },
  price: money,
  quantity: { type: 'number', minimum: 0 },
  currency,
  coupon: { type: 'string' },
  position: { type: 'number' },
  url: { type: 'string' },
  image_url: { type: 'string' },
}

const product = { type: 'object', properties: productFields, required: ['product_id'] }
const products = { type: 'array', items: product }

const checkoutFields = {
  order_id: text,
  checkout_id: { type: 'string' },
  revenue: money,
  value: money,
  total: money,
  subtotal: money,
  shipping: money,
  tax: money,
  discount: money,
  coupon: { type: 'string' },
  currency,
  products,
}

/** Event name → JSON Schema of its properties. */
export const ECOMMERCE_PLAN: Readonly<Record<string, Record<string, unknown>>> = {
  'Products Searched': { type: 'object', properties: { query: { type: 'string' } } },
  'Product List Viewed': {
    type: 'object',
    properties: { list_id: { type: 'string' }, category: { type: 'string' }, products },
  },
  'Product Clicked': product,
  'Product Viewed': product,
  'Product Added': {
    type: 'object',
    properties: { ...productFields, cart_id: { type: 'string' } },
    required: ['product_id'],
  },
  'Product Removed': {
    type: 'object',
    properties: { ...productFields, cart_id: { type: 'string' } },
    required: ['product_id'],
  },
  'Cart Viewed': { type: 'object', properties: { cart_id: { type: 'string' }, products } },
  'Checkout Started': { type: 'object', properties: checkoutFields },
  'Order Completed': {
    type: 'object',
    properties: checkoutFields,
    // The models count an order by its order_id (orders without one are left out of them).
    required: ['order_id'],
  },
  'Order Refunded': { type: 'object', properties: checkoutFields, required: ['order_id'] },
  'Order Cancelled': { type: 'object', properties: checkoutFields, required: ['order_id'] },
}
