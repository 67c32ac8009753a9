import { createSourceIndex, type KeyedSource } from '@sillage/schemas'

/** A browser source as the browser route needs it (docs/profiles.md#browser-safe-route). */
export interface BrowserSource extends KeyedSource {
  id: string
  allowedOrigins: readonly string[]
}

/**
 * The browser route's write keys: exactly those the collector accepts (the same index): a
 * source's current key, and a key replaced by `sillage sources rotate` until its `expiresAt`.
 */
export const createBrowserKeyIndex = createSourceIndex<BrowserSource>
