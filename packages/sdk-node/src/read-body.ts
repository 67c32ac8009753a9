import type { HttpResponse } from './transport.js'

/**
 * The most of a response body the SDK reads: 1 MiB. A profile is a few KB, a batch answer a few
 * hundred bytes per rejected event; a body past this is a broken or hostile server, and reading
 * it whole (100 MB arrive on loopback within a 300 ms profile timeout) would only cost memory.
 */
export const MAX_RESPONSE_BYTES = 1024 * 1024

/** The body as text, or `undefined` once it is over `maxBytes` (the rest is not read: cancelled). */
export async function readCapped(
  response: HttpResponse,
  maxBytes: number = MAX_RESPONSE_BYTES,
): Promise<string | undefined> {
  const announced = Number(response.headers.get('content-length') ?? NaN)
  const stream = response.body
  if (announced > maxBytes) {
    await stream?.cancel().catch(() => undefined)
    return undefined
  }
  if (!stream) {
    // A transport without a stream (a test double, an application's own): its text, then the check.
    const text = await response.text()
    return Buffer.byteLength(text) > maxBytes ? undefined : text
  }
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined)
      return undefined
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, total).toString('utf8')
}
