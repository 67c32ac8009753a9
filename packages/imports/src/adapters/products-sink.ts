import type { Warehouse } from '@sillage/warehouse'
import type { ProductRow } from '../domain/map-row.js'
import type { ProductSink } from '../run-import.js'

/**
 * Writes catalogue rows into `products` (ReplacingMergeTree on `version`, migration 0074): the
 * import's start time is the version, so a later import of a product replaces the earlier one
 * and the same file imported twice leaves one row per product.
 */
export function createWarehouseProductSink(warehouse: Warehouse): ProductSink {
  return {
    async write(rows, version) {
      const updatedAt = new Date(version).toISOString().replace('T', ' ').replace('Z', '')
      await warehouse.client.insert({
        table: `${warehouse.database}.products`,
        values: rows.map((r: ProductRow) => ({ ...r, version, updated_at: updatedAt })),
        format: 'JSONEachRow',
      })
    },
  }
}
