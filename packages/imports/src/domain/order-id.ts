/**
 * The `order_id` of an imported receipt: the store and the receipt number, `store:receipt`
 * (`paris:0001`). Tills number their receipts per shop, so `0001` of Paris and `0001` of Nice are
 * two orders; `orders` groups by `order_id` alone. A `:` or `\` in the store id is escaped with a
 * `\` (`a\:b:0001`), so that two different (store, receipt) pairs never make the same id.
 */
export function receiptOrderId(storeId: string, receiptId: string): string {
  return `${storeId.replace(/[\\:]/g, '\\$&')}:${receiptId}`
}
