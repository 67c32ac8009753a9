import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { batchSchema, type EventType, type Source } from '@sillage/schemas'
import { TOPICS, type Bus } from '@sillage/bus'
import { CollectorError } from '../errors.js'
import { originAllowed, writeKeyFromAuthorization } from '../domain/auth.js'
import { ingestItems, type IngestResult } from '../domain/ingest.js'
import type { CollectorMetrics } from '../metrics.js'

export interface IngestRouteDeps {
  bus: Bus
  findSource: (writeKey: string) => Source | undefined
  maxEventBytes: number
  newMessageId: () => string
  metrics: CollectorMetrics
}

/** Segment's single-event endpoints, with the short paths analytics.js uses. */
const SINGLE: ReadonlyArray<[EventType, string]> = [
  ['track', 't'],
  ['page', 'p'],
  ['screen', 's'],
  ['identify', 'i'],
  ['group', 'g'],
  ['alias', 'a'],
]

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function authenticate(request: FastifyRequest, body: Record<string, unknown>, deps: IngestRouteDeps): Source {
  const bodyKey = typeof body['writeKey'] === 'string' ? body['writeKey'] : undefined
  const writeKey = writeKeyFromAuthorization(request.headers.authorization) ?? bodyKey
  if (!writeKey) throw new CollectorError('SIL_AUTH_MISSING')
  const source = deps.findSource(writeKey)
  if (!source) throw new CollectorError('SIL_AUTH_INVALID')
  if (!originAllowed(source, request.headers.origin)) throw new CollectorError('SIL_ORIGIN_NOT_ALLOWED')
  return source
}

async function deliver(result: IngestResult, deps: IngestRouteDeps, reply: FastifyReply) {
  const started = process.hrtime.bigint()
  try {
    await Promise.all([
      result.accepted.length > 0 ? deps.bus.produce(TOPICS.raw, result.accepted) : undefined,
      result.deadLetters.length > 0 ? deps.bus.produce(TOPICS.invalid, result.deadLetters) : undefined,
    ])
  } catch (cause) {
    throw new CollectorError('SIL_BUS_UNAVAILABLE', { cause })
  }
  deps.metrics.busLatency.observe(Number(process.hrtime.bigint() - started) / 1e9)
  deps.metrics.accepted.inc(result.accepted.length)
  for (const r of result.rejected) deps.metrics.rejected.inc({ code: r.code })
  const accepted = result.accepted.length
  if (accepted === 0 && result.rejected.length > 0) {
    return reply.code(400).send({
      success: false,
      code: 'SIL_BATCH_ALL_REJECTED',
      message: 'every event in the request was rejected',
      accepted,
      rejected: result.rejected,
    })
  }
  return reply.send({ success: true, accepted, rejected: result.rejected })
}

export function registerIngestRoutes(app: FastifyInstance, deps: IngestRouteDeps): void {
  const batch = async (request: FastifyRequest, reply: FastifyReply) => {
    const receivedAt = Date.now()
    const parsed = batchSchema.safeParse(request.body)
    if (!parsed.success) throw new CollectorError('SIL_BODY_INVALID')
    const source = authenticate(request, parsed.data, deps)
    const result = ingestItems(parsed.data.batch, {
      receivedAt,
      sourceId: source.id,
      newMessageId: deps.newMessageId,
      batchContext: parsed.data.context,
      sentAt: parsed.data.sentAt,
      maxEventBytes: deps.maxEventBytes,
    })
    return deliver(result, deps, reply)
  }
  for (const path of ['/v1/batch', '/v1/b', '/v1/import']) app.post(path, batch)

  for (const [type, short] of SINGLE) {
    const single = async (request: FastifyRequest, reply: FastifyReply) => {
      const receivedAt = Date.now()
      if (!isObject(request.body)) throw new CollectorError('SIL_BODY_INVALID')
      const source = authenticate(request, request.body, deps)
      const result = ingestItems([request.body], {
        receivedAt,
        sourceId: source.id,
        newMessageId: deps.newMessageId,
        type,
        maxEventBytes: deps.maxEventBytes,
      })
      return deliver(result, deps, reply)
    }
    app.post(`/v1/${type}`, single)
    app.post(`/v1/${short}`, single)
  }
}
