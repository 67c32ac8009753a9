import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { CollectorError, REQUEST_ERRORS, type RequestErrorCode } from '../errors.js'
import type { DebugTap } from '../domain/debug-tap.js'
import type { CollectorMetrics } from '../metrics.js'
import { sourceIdOf } from './ingest.route.js'

/**
 * Every refusal carries a SIL_ code (docs/errors.md): the collector's own errors, Fastify's (body
 * parsing, limits, Content-Length), unknown routes and methods, and the HTTP parser's (malformed
 * requests, header overflow, time-outs). Each is counted in
 * sillage_collector_requests_refused_total{reason}, and a refused ingestion request (under /v1/)
 * is shown in the live debugger with its reason.
 */

/** Maps Fastify's own errors (body parsing, limits) onto the catalogue. */
export function toCode(error: FastifyError): RequestErrorCode {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'SIL_PAYLOAD_TOO_LARGE'
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'SIL_UNSUPPORTED_MEDIA_TYPE'
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'SIL_BAD_CONTENT_LENGTH'
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return 'SIL_URI_TOO_LONG'
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'SIL_BODY_INVALID_JSON'
  }
  if (error.code?.startsWith('Z_')) return 'SIL_BODY_INVALID_GZIP'
  if (error instanceof RangeError) return 'SIL_BODY_TOO_DEEP' // a stack overflowed on a hostile body
  if (error instanceof SyntaxError) return 'SIL_BODY_INVALID_JSON'
  if (error.statusCode === 413) return 'SIL_PAYLOAD_TOO_LARGE'
  if (error.statusCode === 400) return 'SIL_BAD_REQUEST'
  return 'SIL_INTERNAL'
}

export interface Refusals {
  /** Set once the debugger is registered (it is only with an admin token). */
  tap: DebugTap | undefined
}

/** What node's HTTP parser refuses before Fastify sees a request (Fastify's clientErrorHandler). */
export function createClientErrorHandler(metrics: () => CollectorMetrics | undefined) {
  return function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
    if (err.code === 'ECONNRESET' || socket.destroyed) return
    const code: RequestErrorCode =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'SIL_REQUEST_TIMEOUT'
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? 'SIL_HEADERS_TOO_LARGE'
          : 'SIL_BAD_REQUEST'
    metrics()?.refused.inc({ reason: code })
    if (!socket.writable) return
    const { status, message } = REQUEST_ERRORS[code]
    const body = JSON.stringify({ success: false, code, message })
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  }
}

/**
 * Counts a refusal, shows it in the debugger (an ingestion request, under /v1/), and answers its
 * code's status and body: the error handler, the not-found handler and Fastify's framework errors
 * all refuse through it.
 */
function refuse(
  metrics: CollectorMetrics,
  refusals: Refusals,
  request: FastifyRequest,
  reply: FastifyReply,
  code: RequestErrorCode,
  detail?: string,
) {
  const { status } = REQUEST_ERRORS[code]
  const message = detail ?? REQUEST_ERRORS[code].message
  metrics.refused.inc({ reason: code })
  if (refusals.tap && request.url.startsWith('/v1/')) {
    const h = request.headers
    refusals.tap.refused({
      sourceId: sourceIdOf(request),
      receivedAt: new Date().toISOString(),
      reason: { code, message },
      request: {
        method: request.method,
        url: request.url.split('?')[0] ?? '',
        contentType: h['content-type'],
        contentEncoding: h['content-encoding'],
        contentLength: h['content-length'],
        userAgent: h['user-agent'],
      },
    })
  }
  return reply.code(status).send({ success: false, code, message })
}

/**
 * Fastify's `frameworkErrors`: what its router refuses before any handler (a malformed URL, a path
 * parameter over `maxParamLength`), which the error handler never sees.
 */
export function createFrameworkErrorHandler(metrics: CollectorMetrics, refusals: Refusals) {
  return function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    void refuse(metrics, refusals, request, reply, toCode(error))
  }
}

export function registerRefusals(app: FastifyInstance, metrics: CollectorMetrics, refusals: Refusals): void {
  const send = (request: FastifyRequest, reply: FastifyReply, code: RequestErrorCode, detail?: string) =>
    refuse(metrics, refusals, request, reply, code, detail)

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const code = error instanceof CollectorError ? error.code : toCode(error)
    // Overload is counted and logged on transitions by the bounded bus, not per request.
    if (REQUEST_ERRORS[code].status >= 500 && code !== 'SIL_OVERLOADED') {
      request.log.error({ err: error, code }, 'request failed')
    }
    const retryAfter = error instanceof CollectorError ? error.retryAfterSeconds : undefined
    if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter))
    else if (code === 'SIL_BUS_UNAVAILABLE') void reply.header('retry-after', '5')
    // A CollectorError's message may name what is wrong (the field of a SIL_BODY_INVALID).
    return send(request, reply, code, error instanceof CollectorError ? error.message : undefined)
  })

  // A known path asked with another method is a 405 with Allow, not a 404.
  const methods = new Map<string, Set<string>>()
  app.addHook('onRoute', (route) => {
    if (route.url.includes(':') || route.url.includes('*')) return
    const set = methods.get(route.url) ?? new Set<string>()
    for (const m of [route.method].flat()) set.add(m)
    methods.set(route.url, set)
  })
  app.setNotFoundHandler((request, reply) => {
    const allowed = methods.get(request.url.split('?')[0] ?? '')
    if (!allowed) return send(request, reply, 'SIL_NOT_FOUND')
    void reply.header('allow', [...allowed].filter((m) => m !== 'OPTIONS').join(', '))
    return send(request, reply, 'SIL_METHOD_NOT_ALLOWED')
  })
}
