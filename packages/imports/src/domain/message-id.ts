import { createHash } from 'node:crypto'

/** Sillage's namespace for imported rows (a fixed random UUID). */
const NAMESPACE = 'b7f3c1de-5a0e-4c54-9f7e-1f0a4e2d9c31'

/**
 * A deterministic UUID (version 5 layout, SHA-256 rather than SHA-1) of the import kind and a row
 * key: importing the same row twice gives the same messageId, which the warehouse collapses.
 */
export function importMessageId(kind: string, key: string): string {
  const h = createHash('sha256').update(`${NAMESPACE}\n${kind}\n${key}`).digest()
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80
  const hex = h.subarray(0, 16).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}

/** A short, stable, non-reversible token for an identifier (used where a raw value must not appear). */
export function hashToken(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 32)
}
