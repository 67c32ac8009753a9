import { randomFillSync } from 'node:crypto'

/** Crockford's base32, as in the ULID spec (https://github.com/ulid/spec). */
const ENCODING = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const RANDOM_CHARS = 16
const TIME_CHARS = 10

// One call to the CSPRNG serves 256 ids.
const pool = Buffer.allocUnsafe(RANDOM_CHARS * 256)
let poolOffset = pool.length

/**
 * A ULID: 48 bits of milliseconds then 80 random bits, 26 characters that sort by creation time.
 * The SDK uses it as `messageId`, fixed when the event is created and kept across retries, so the
 * warehouse can keep one row per event.
 */
export function ulid(now: number = Date.now()): string {
  if (poolOffset + RANDOM_CHARS > pool.length) {
    randomFillSync(pool)
    poolOffset = 0
  }
  let time = ''
  let t = Math.max(0, Math.floor(now))
  for (let i = 0; i < TIME_CHARS; i++) {
    time = ENCODING.charAt(t % 32) + time
    t = Math.floor(t / 32)
  }
  let random = ''
  for (let i = 0; i < RANDOM_CHARS; i++) random += ENCODING.charAt((pool[poolOffset + i] ?? 0) & 31)
  poolOffset += RANDOM_CHARS
  return time + random
}
