import { createInflate, createUnzip } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import { CollectorError } from '../errors.js'
import { parseJsonBody } from '../domain/json-body.js'

/**
 * Request bodies: JSON whatever the declared type, gzip or deflate (docs/events.md).
 *
 * Content type: the bytes decide, not the label. analytics.js and sendBeacon send JSON as
 * text/plain (no CORS preflight), RudderStack's Node SDK sends gzip JSON labelled
 * application/x-www-form-urlencoded, some clients send application/octet-stream or nothing. Every
 * body is read as UTF-8 text (invalid bytes become U+FFFD) and parsed as JSON; what is not JSON is
 * a 400 SIL_BODY_INVALID_JSON. Prototype-pollution keys are refused per event (domain/depth.ts),
 * not for the whole request, so the good events of a batch are kept.
 *
 * Content-Encoding: Fastify applies the body limit to the *decompressed* stream (and to the
 * encoded length we report), so a zip bomb stops at SILLAGE_MAX_BATCH_BYTES with a 413. A corrupt
 * stream is a 400 SIL_BODY_INVALID_GZIP.
 */
export function registerBodyDecoding(app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    const parsed = parseJsonBody(body as string)
    if (parsed.ok) done(null, parsed.value)
    else done(new CollectorError(parsed.code), undefined)
  })

  app.addHook('preParsing', async (request, _reply, payload) => {
    const encoding = request.headers['content-encoding']?.trim().toLowerCase()
    if (!encoding || encoding === 'identity') return payload
    // createUnzip reads gzip and zlib alike; `deflate` is zlib-wrapped in HTTP (RFC 9110).
    const decoder =
      encoding === 'gzip' || encoding === 'x-gzip'
        ? createUnzip()
        : encoding === 'deflate'
          ? createInflate()
          : undefined
    if (!decoder) throw new CollectorError('SIL_UNSUPPORTED_ENCODING')
    const decoded = decoder as typeof decoder & { receivedEncodedLength: number }
    decoded.receivedEncodedLength = 0
    payload.on('data', (chunk: Buffer) => {
      decoded.receivedEncodedLength += chunk.length
    })
    payload.on('error', (err) => decoder.destroy(err))
    decoder.on('error', () => payload.destroy())
    payload.pipe(decoder)
    return decoded
  })
}
