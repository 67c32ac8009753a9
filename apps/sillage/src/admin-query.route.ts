import type { FastifyInstance, FastifyRequest } from 'fastify'
import { adminTokenMatches } from '@sillage/runtime'
import type { Warehouse } from '@sillage/warehouse'
import { queryParamsOf, runQuery } from './run-query.js'

/** `Authorization: Bearer <admin token>` (the shared check, @sillage/runtime adminTokenMatches). */
export function bearerMatches(request: FastifyRequest, token: string): boolean {
  return adminTokenMatches(request.headers.authorization, token)
}

/**
 * `POST /admin/query` lets `sillage query` reach the embedded warehouse of a running `start`
 * (chDB allows one process per data dir). Admin token only; write keys never work here.
 */
export function registerAdminQueryRoute(app: FastifyInstance, deps: { warehouse: Warehouse; token: string }) {
  app.post<{ Body: { sql?: unknown; params?: unknown } }>('/admin/query', async (request, reply) => {
    if (!bearerMatches(request, deps.token)) {
      return reply
        .code(401)
        .send({ success: false, code: 'SIL_ADMIN_UNAUTHORIZED', message: 'admin token missing or invalid' })
    }
    const sql = request.body?.sql
    if (typeof sql !== 'string' || sql.trim() === '') {
      return reply
        .code(400)
        .send({ success: false, code: 'SIL_QUERY_MISSING', message: 'body must be {"sql": "..."}' })
    }
    // Query parameters ({name:Type} in the SQL): what `sillage plan check` sends.
    const params = request.body?.params === undefined ? undefined : queryParamsOf(request.body.params)
    if (request.body?.params !== undefined && !params) {
      return reply.code(400).send({
        success: false,
        code: 'SIL_QUERY_MISSING',
        message: 'params must be an object of strings, numbers, booleans or string arrays',
      })
    }
    try {
      return reply.type('application/x-ndjson').send(await runQuery(deps.warehouse, sql, params))
    } catch (err) {
      return reply
        .code(400)
        .send({ success: false, code: 'SIL_QUERY_FAILED', message: (err as Error).message })
    }
  })
}
