import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { EVENT_TYPES, type EventType } from '@sillage/schemas'
import { CollectorError } from '../errors.js'
import { ingestItems } from '../domain/ingest.js'
import { parseJsonBody } from '../domain/json-body.js'
import { authenticate, deliver, isObject, requestContext, type IngestRouteDeps } from './ingest.route.js'

/** The smallest transparent 1×1 GIF. */
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')

/**
 * `GET /v1/pixel?data=<base64 JSON>` (and `/v1/pixel/:type`, as Segment's pixel API), for no-JS
 * pages and email opens. The JSON is one event and carries the `writeKey`. Answers the GIF on
 * success; errors are the usual JSON with their code (an <img> ignores both).
 */
export function registerPixelRoute(app: FastifyInstance, deps: IngestRouteDeps): void {
  const pixel = async (
    request: FastifyRequest<{ Params: { type?: string }; Querystring: { data?: string } }>,
    reply: FastifyReply,
  ) => {
    const parsed = parseJsonBody(Buffer.from(request.query.data ?? '', 'base64').toString('utf8'))
    if (!parsed.ok) throw new CollectorError(parsed.code)
    const body = parsed.value
    if (!isObject(body)) throw new CollectorError('SIL_BODY_INVALID')
    const typeParam = request.params.type
    if (typeParam !== undefined && !(EVENT_TYPES as readonly string[]).includes(typeParam)) {
      throw new CollectorError('SIL_NOT_FOUND')
    }
    const source = authenticate(request, body, deps)
    const result = ingestItems([body], {
      ...requestContext(request, source, deps),
      ...(typeParam
        ? { type: typeParam as EventType }
        : body['type'] === undefined
          ? { type: 'track' as const }
          : {}),
      maxEventBytes: deps.maxEventBytes,
    })
    await deliver(result, deps)
    if (result.accepted.length === 0) {
      return reply.code(400).send({
        success: false,
        code: 'SIL_BATCH_ALL_REJECTED',
        message: 'the event was rejected',
        rejected: result.rejected,
      })
    }
    return reply.header('cache-control', 'no-store, max-age=0').type('image/gif').send(GIF)
  }
  app.get('/v1/pixel', pixel)
  app.get('/v1/pixel/:type', pixel)
}
