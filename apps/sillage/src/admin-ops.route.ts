import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { Bus } from '@sillage/bus'
import type { Source } from '@sillage/schemas'
import type { Warehouse } from '@sillage/warehouse'
import { bearerMatches } from './admin-query.route.js'
import { activationFilterSchema, inspectActivationDeadLetters } from './dlq/activation-dead-letters.js'
import { dlqFilterSchema } from './dlq/dlq-filter.js'
import { inspectDeadLetters, replayDeadLetters } from './dlq/dlq-ops.js'
import { checkBus, checkWarehouse, report } from './doctor/checks.js'

/** The most dead letters one inspect returns (the CLI says so before asking). */
export const MAX_INSPECT_LIMIT = 10_000

export interface AdminOpsDeps {
  bus: Bus
  warehouse: Warehouse
  sources: readonly Source[]
  maxEventBytes: number
  rawPartitions: number
  token: string
}

const inspectSchema = dlqFilterSchema.extend({
  limit: z.coerce.number().int().min(0).max(MAX_INSPECT_LIMIT).default(20),
})
const activationInspectSchema = activationFilterSchema.extend({
  limit: z.coerce.number().int().min(0).max(MAX_INSPECT_LIMIT).default(20),
})
const replaySchema = dlqFilterSchema.extend({
  all: z.boolean().default(false),
  dryRun: z.boolean().default(false),
})

function refuse(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ success: false, code, message })
}

function parsed<S extends z.ZodType>(
  schema: S,
  value: unknown,
  reply: FastifyReply,
): z.output<S> | undefined {
  const result = schema.safeParse(value ?? {})
  if (result.success) return result.data
  void refuse(
    reply,
    400,
    'SIL_ADMIN_INVALID',
    result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
  )
  return undefined
}

/** The operator sees why (the bus unreachable, a timeout): the message is for the admin. */
async function failSafe<T>(reply: FastifyReply, work: () => Promise<T>): Promise<T | FastifyReply> {
  try {
    return await work()
  } catch (err) {
    reply.log.error({ err }, 'admin operation failed')
    return refuse(reply, 500, 'SIL_ADMIN_FAILED', err instanceof Error ? err.message : String(err))
  }
}

/**
 * What `sillage dlq` and `sillage doctor` need from a running `start`, whose local log and chDB data
 * directory no other process may open: `GET /admin/dlq`, `GET /admin/dlq/activation`,
 * `POST /admin/dlq/replay`, `GET /admin/doctor`. Admin token only.
 */
export function registerAdminOpsRoutes(app: FastifyInstance, deps: AdminOpsDeps): void {
  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!bearerMatches(request, deps.token)) {
      return refuse(reply, 401, 'SIL_ADMIN_UNAUTHORIZED', 'admin token missing or invalid')
    }
    return undefined
  }

  app.get('/admin/dlq', { onRequest: guard }, async (request, reply) => {
    const q = parsed(inspectSchema, request.query, reply)
    if (!q) return reply
    const { limit, source, ...rest } = q
    return failSafe(reply, () =>
      inspectDeadLetters(deps.bus, { filter: { ...rest, sourceId: source }, limit }),
    )
  })

  // activation.deadletters (`sillage dlq inspect --topic activation`): read only, no replay.
  app.get('/admin/dlq/activation', { onRequest: guard }, async (request, reply) => {
    const q = parsed(activationInspectSchema, request.query, reply)
    if (!q) return reply
    const { limit, ...filter } = q
    return failSafe(reply, () => inspectActivationDeadLetters(deps.bus, { filter, limit }))
  })

  app.post('/admin/dlq/replay', { onRequest: guard }, async (request, reply) => {
    const b = parsed(replaySchema, request.body, reply)
    if (!b) return reply
    const { all, dryRun, source, ...rest } = b
    return failSafe(reply, () =>
      replayDeadLetters(deps.bus, {
        sources: deps.sources,
        maxEventBytes: deps.maxEventBytes,
        filter: { ...rest, sourceId: source },
        all,
        dryRun,
      }),
    )
  })

  app.get('/admin/doctor', { onRequest: guard }, async () =>
    report([
      { name: 'sillage start', ok: true, detail: `running, pid ${process.pid}` },
      ...(await checkBus(deps.bus, { rawPartitions: deps.rawPartitions, where: 'the running process' })),
      ...(await checkWarehouse(deps.warehouse, deps.warehouse.kind === 'chdb' ? 'embedded chDB' : 'server')),
    ]),
  )
}
