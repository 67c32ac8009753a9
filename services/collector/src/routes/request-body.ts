import { createInflate, createUnzip, gunzipSync } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import { CollectorError } from '../errors.js'
import { parseJsonBody } from '../domain/json-body.js'

/**
 * Request bodies: JSON whatever the declared type, gzip or deflate (docs/events.md).
 *
 * Content type: the bytes decide, not the label. analytics.js and sendBeacon send JSON as
 * text/plain (no CORS preflight), RudderStack's Node SDK sends gzip JSON labelled
 * application/x-www-form-urlencoded, some clients send application/octet-stream or nothing. Every
 * body is read as UTF-8 text (invalid bytes become U+FFFD; gzip bytes without their header are
 * inflated, whatever the label) and parsed as JSON; what is not JSON is
 * a 400 SIL_BODY_INVALID_JSON. Prototype-pollution keys are refused per event (domain/depth.ts),
 * not for the whole request, so the good events of a batch are kept.
 *
 * Content-Encoding: Fastify applies the body limit to the *decompressed* stream (and to the
 * encoded length we report), so a zip bomb stops at SILLAGE_MAX_BATCH_BYTES with a 413. A corrupt
 * stream is a 400 SIL_BODY_INVALID_GZIP.
 */
/**
 * The body as UTF-8 text (invalid bytes become U+FFFD). Gzip bytes that came without their
 * `Content-Encoding` header, under any label (the magic number 1f 8b: never the start of JSON
 * text), are inflated here, within the same body limit.
 */
function decodeBody(body: Buffer, limit: number): string {
  if (body.length > 2 && body[0] === 0x1f && body[1] === 0x8b) {
    return gunzipSync(body, { maxOutputLength: limit }).toString('utf8')
  }
  return body.toString('utf8')
}

const TOKEN = /^[\w!#$%&'*+.^`|~-]+$/

/** `type/subtype`, with any parameters: what Fastify accepts as a Content-Type (lib/content-type.js). */
export function isMediaType(label: string): boolean {
  const media = label.split(';', 1)[0] ?? ''
  const slash = media.indexOf('/')
  return (
    slash > 0 && TOKEN.test(media.slice(0, slash).trimStart()) && TOKEN.test(media.slice(slash + 1).trimEnd())
  )
}

/**
 * A body read whole and then refused (not JSON, too deep, bad gzip, inflating past the limit). It
 * is handed to Fastify as the body and refused by the preValidation hook: an error from the parser
 * itself makes Fastify close the connection (the rest of a body might still be coming), and with it
 * go the answers of the requests a client pipelined behind this one, although they were stored.
 */
class RefusedBody {
  constructor(readonly error: CollectorError) {}
}

export function registerBodyDecoding(app: FastifyInstance): void {
  const bodyLimit = app.initialConfig.bodyLimit ?? 1024 * 1024
  const finish = (text: string, done: (err: Error | null, body?: unknown) => void) => {
    const parsed = parseJsonBody(text)
    if (parsed.ok) done(null, parsed.value)
    else done(null, new RefusedBody(new CollectorError(parsed.code)))
  }
  app.removeAllContentTypeParsers()
  // Whatever the label (application/json and text/plain included), or none: read as bytes first,
  // to recognise gzip sent without its header.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    let text: string
    try {
      text = decodeBody(body as Buffer, bodyLimit)
    } catch (cause) {
      const code = (cause as { code?: string }).code
      const silCode = code === 'ERR_BUFFER_TOO_LARGE' ? 'SIL_PAYLOAD_TOO_LARGE' : 'SIL_BODY_INVALID_GZIP'
      done(null, new RefusedBody(new CollectorError(silCode, { cause })))
      return
    }
    finish(text, done)
  })
  app.addHook('preValidation', (request, _reply, done) => {
    const body = request.body
    if (body instanceof RefusedBody) done(body.error)
    else done()
  })

  // A Content-Type Fastify cannot read (`Content-Type:` empty, `;;;`, `json`) would be a 415 before
  // any parser runs: the label does not decide, so it is dropped and the body read as unlabelled.
  // A callback hook: on every request, so no promise of its own.
  app.addHook('onRequest', (request, _reply, done) => {
    const label = request.headers['content-type']
    if (label !== undefined && !isMediaType(label)) delete request.headers['content-type']
    done()
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
