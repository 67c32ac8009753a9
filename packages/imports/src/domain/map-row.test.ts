import { describe, expect, it } from 'vitest'
import { mapRow } from './map-row.js'
import { MappingError, resolveMapping } from './mapping.js'

const receipts = resolveMapping('receipts')
const crm = resolveMapping('crm')
const catalogue = resolveMapping('catalogue')

const receipt = {
  receipt_id: 'R-1',
  store_id: 'paris-marais',
  timestamp: '2025-03-01 10:15:00',
  loyalty_card: 'LC-0001',
  email: 'Camille@Example.com',
  items: '[{"product_id":"p-001","name":"Ambre","price":"44.90","quantity":2},{"sku":"SKU-9","price":10}]',
  total: '99,80',
  currency: 'eur',
}

describe('mapRow: store receipts', () => {
  it('makes one Order Completed on channel store, with the store, the card, the lines and the total', () => {
    const m = mapRow(receipts, receipt)
    expect(m.ok).toBe(true)
    const [e] = m.ok ? (m.events ?? []) : []
    expect(e).toMatchObject({
      type: 'track',
      event: 'Order Completed',
      timestamp: '2025-03-01T10:15:00.000Z',
      properties: {
        order_id: 'paris-marais:R-1',
        receipt_id: 'R-1',
        store_id: 'paris-marais',
        channel: 'store',
        loyalty_card: 'LC-0001',
        total: 99.8,
        revenue: 99.8,
        currency: 'EUR',
        products: [
          { product_id: 'p-001', price: 44.9, quantity: 2 },
          { product_id: 'SKU-9', price: 10, quantity: 1 },
        ],
      },
      context: { channel: 'store', traits: { email: 'Camille@Example.com' } },
    })
    expect(e?.['anonymousId']).toMatch(/^store-[0-9a-f]{32}$/)
    expect(JSON.stringify(e?.['anonymousId'])).not.toContain('LC-0001')
  })

  it('gives the same messageId to the same receipt, another to another receipt', () => {
    const id = (r: Record<string, unknown>) => {
      const m = mapRow(receipts, r)
      return m.ok ? m.events?.[0]?.messageId : undefined
    }
    expect(id(receipt)).toBe(id({ ...receipt, total: '12' }))
    expect(id(receipt)).not.toBe(id({ ...receipt, receipt_id: 'R-2' }))
    expect(id(receipt)).not.toBe(id({ ...receipt, store_id: 'lyon' }))
    expect(id(receipt)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })

  it('uses the customer id as userId when the file has one', () => {
    const m = mapRow(receipts, { ...receipt, customer_id: 'u-0001' })
    expect(m.ok && m.events?.[0]).toMatchObject({ userId: 'u-0001' })
    expect(m.ok && m.events?.[0]?.['anonymousId']).toBeUndefined()
  })

  it.each([
    [{ receipt_id: '' }, 'SIL_IMPORT_FIELD_MISSING', 'receipt_id'],
    [{ store_id: null }, 'SIL_IMPORT_FIELD_MISSING', 'store_id'],
    [{ timestamp: 'yesterday' }, 'SIL_IMPORT_VALUE_INVALID', 'timestamp'],
    [{ total: 'twelve' }, 'SIL_IMPORT_VALUE_INVALID', 'total'],
    [{ total: '' }, 'SIL_IMPORT_FIELD_MISSING', 'total'],
    [{ items: '{"not":"an array"}' }, 'SIL_IMPORT_VALUE_INVALID', 'items'],
    [{ items: '[{"product_id":"p","price":"x"}]' }, 'SIL_IMPORT_VALUE_INVALID', 'items[0]'],
  ])('refuses %j with %s', (patch, code, where) => {
    const m = mapRow(receipts, { ...receipt, ...patch })
    expect(m).toMatchObject({ ok: false, code })
    expect(!m.ok && m.reason).toContain(where)
  })

  it('reads renamed columns, defaults and extra properties from a mapping file', () => {
    const m = resolveMapping('receipts', {
      columns: { receipt_id: 'ticket', store_id: 'shop', timestamp: 'sold_at', total: 'amount' },
      properties: { cashier: 'cashier_id' },
      defaults: { currency: 'EUR' },
    })
    const out = mapRow(m, { ticket: 'T9', shop: 'nice', sold_at: 1740823200, amount: 5, cashier_id: 'c7' })
    expect(out.ok && out.events?.[0]).toMatchObject({
      timestamp: '2025-03-01T10:00:00.000Z',
      properties: {
        order_id: 'nice:T9',
        receipt_id: 'T9',
        store_id: 'nice',
        total: 5,
        currency: 'EUR',
        cashier: 'c7',
      },
    })
  })
})

describe('mapRow: CRM contacts', () => {
  const contact = {
    customer_id: 'u-0001',
    email: 'camille@example.com',
    phone: '+33612340001',
    loyalty_card: 'LC-0001',
    first_name: 'Camille',
    updated_at: '2025-02-01',
    consent_marketing: 'yes',
    consent_marketing_at: '2025-01-10T09:00:00Z',
    consent_analytics: 'false',
    consent_analytics_at: '',
  }

  it('makes an identify with the identifiers as traits, and a Consent Updated with the granted categories', () => {
    const m = mapRow(crm, contact)
    expect(m.ok).toBe(true)
    const [identify, consent] = m.ok ? (m.events ?? []) : []
    expect(identify).toMatchObject({
      type: 'identify',
      userId: 'u-0001',
      timestamp: '2025-02-01T00:00:00.000Z',
      traits: {
        email: 'camille@example.com',
        phone: '+33612340001',
        loyalty_card: 'LC-0001',
        first_name: 'Camille',
      },
    })
    expect(consent).toMatchObject({
      type: 'track',
      event: 'Consent Updated',
      userId: 'u-0001',
      timestamp: '2025-01-10T09:00:00.000Z',
      properties: { categories: ['necessary', 'marketing'], denied: ['analytics'], source: 'crm' },
    })
  })

  it('sends no consent record when the file says nothing about consent', () => {
    const m = mapRow(crm, { customer_id: 'u-2', email: 'x@example.com' })
    expect(m.ok && m.events?.map((e) => e.type)).toEqual(['identify'])
  })

  it('keeps the messageId of an unchanged contact and changes it when the contact changes', () => {
    const ids = (r: Record<string, unknown>) =>
      mapRow(crm, r).ok
        ? (mapRow(crm, r) as { events: Array<{ messageId: string }> }).events.map((e) => e.messageId)
        : []
    expect(ids(contact)).toEqual(ids({ ...contact }))
    expect(ids({ ...contact, email: 'new@example.com' })[0]).not.toBe(ids(contact)[0])
    expect(ids({ ...contact, consent_marketing: 'no' })[1]).not.toBe(ids(contact)[1])
  })

  it('refuses a contact without id, or with a consent flag that is not yes/no', () => {
    expect(mapRow(crm, { ...contact, customer_id: ' ' })).toMatchObject({
      ok: false,
      code: 'SIL_IMPORT_FIELD_MISSING',
    })
    expect(mapRow(crm, { ...contact, consent_marketing: 'maybe' })).toMatchObject({
      ok: false,
      code: 'SIL_IMPORT_VALUE_INVALID',
    })
  })
})

describe('mapRow: catalogue', () => {
  it('makes a product row', () => {
    expect(
      mapRow(catalogue, {
        product_id: 'p-001',
        name: 'Ambre',
        category: 'Parfums',
        brand: 'Sillage',
        price: '89.9',
        url: 'https://x',
      }),
    ).toEqual({
      ok: true,
      product: {
        product_id: 'p-001',
        sku: '',
        name: 'Ambre',
        category: 'Parfums',
        brand: 'Sillage',
        price: 89.9,
        currency: '',
        properties: '{"url":"https://x"}',
      },
    })
  })

  it('refuses a product without a name', () => {
    expect(mapRow(catalogue, { product_id: 'p-1' })).toMatchObject({
      ok: false,
      code: 'SIL_IMPORT_FIELD_MISSING',
    })
  })
})

describe('resolveMapping', () => {
  it('refuses unknown fields, another kind and unknown keys, all at once', () => {
    expect(() => resolveMapping('crm', { kind: 'receipts', columns: { receipt_id: 'x' } })).toThrow(
      MappingError,
    )
    expect(() => resolveMapping('crm', { colums: {} })).toThrow(/colums/)
    try {
      resolveMapping('crm', { kind: 'receipts', columns: { receipt_id: 'x' } })
    } catch (err) {
      expect((err as MappingError).problems).toHaveLength(2)
    }
  })
})
