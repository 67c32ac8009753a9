import { createGunzip } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import { CollectorError } from '../errors.js'

/**
 * `Content-Encoding: gzip` request bodies. Fastify applies the body limit to the *decompressed*
 * stream (and to the encoded length we report), so a zip bomb stops at SILLAGE_MAX_BATCH_BYTES
 * with a 413. A corrupt stream is a 400 SIL_BODY_INVALID_GZIP.
 */
export function registerBodyDecoding(app: FastifyInstance): void {
  // analytics.js and sendBeacon send JSON as text/plain to avoid a CORS preflight. Prototype
  // pollution keys are refused per event (domain/depth.ts), not for the whole request, so the
  // good events of a batch are kept; the app sets onProtoPoisoning: 'ignore' for JSON alike.
  const parseJson = app.getDefaultJsonParser('ignore', 'ignore')
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, parseJson)

  app.addHook('preParsing', async (request, _reply, payload) => {
    const encoding = request.headers['content-encoding']?.trim().toLowerCase()
    if (!encoding || encoding === 'identity') return payload
    if (encoding !== 'gzip') throw new CollectorError('SIL_UNSUPPORTED_ENCODING')
    const gunzip = createGunzip()
    const decoded = gunzip as typeof gunzip & { receivedEncodedLength: number }
    decoded.receivedEncodedLength = 0
    payload.on('data', (chunk: Buffer) => {
      decoded.receivedEncodedLength += chunk.length
    })
    payload.on('error', (err) => gunzip.destroy(err))
    gunzip.on('error', () => payload.destroy())
    payload.pipe(gunzip)
    return decoded
  })
}
