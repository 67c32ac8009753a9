import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { adminTokenMatches } from '@sillage/runtime'
import { ADMIN_ERRORS, AdminError, type AdminErrorCode } from '../errors.js'
import { subjectRequestSchema, type SubjectRequest } from '../domain/subject.js'
import type { PrivacyService } from '../pipeline/privacy-service.js'

export interface PrivacyRouteDeps {
  /** SILLAGE_ADMIN_TOKEN: `Authorization: Bearer <token>`. Write keys never pass. */
  token: string
  privacy: PrivacyService
}

export const PRIVACY_PREFIX = '/admin/privacy'
/** A privacy request is one identifier: a few hundred bytes. Larger bodies are 413 unread. */
export const PRIVACY_BODY_LIMIT = 16 * 1024
const POST = { bodyLimit: PRIVACY_BODY_LIMIT }

/** `application/json`, with parameters or not, in any case. */
const isJson = (contentType: string | undefined) =>
  contentType?.split(';', 1)[0]?.trim().toLowerCase() === 'application/json'

/** A client error by its HTTP status: too large and unsupported get their own codes. */
function clientErrorCode(status: number): AdminErrorCode {
  if (status === 413) return 'SIL_PRIVACY_BODY_TOO_LARGE'
  if (status === 415) return 'SIL_PRIVACY_UNSUPPORTED_MEDIA_TYPE'
  return 'SIL_PRIVACY_REQUEST_INVALID'
}

function parseSubject(body: unknown): SubjectRequest {
  const parsed = subjectRequestSchema.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
    throw new AdminError('SIL_PRIVACY_REQUEST_INVALID', {
      message: `${ADMIN_ERRORS.SIL_PRIVACY_REQUEST_INVALID.message} (${where}${issue?.message ?? 'invalid'})`,
    })
  }
  return parsed.data
}

function sendError(reply: FastifyReply, code: AdminErrorCode, message?: string) {
  return reply
    .code(ADMIN_ERRORS[code].status)
    .send({ success: false, code, message: message ?? ADMIN_ERRORS[code].message })
}

/**
 * `/admin/privacy/*`, in an encapsulated plugin with its own authentication and error handling, so
 * it can be registered on any Fastify instance (the collector's in `sillage start`, or the
 * standalone admin server). Identifiers travel in POST bodies, never in URLs (which get logged).
 *
 * - `POST /admin/privacy/erasure` `{type, value, reference?}`: erases the person (ErasureReport);
 * - `GET /admin/privacy/erasure/:requestId`: the recorded request;
 * - `POST /admin/privacy/export` `{type, value}`: everything held about the person (JSON);
 * - `POST /admin/privacy/consent` `{type, value}`: the person's consent history and current state.
 */
export function registerPrivacyRoutes(app: FastifyInstance, deps: PrivacyRouteDeps): void {
  if (deps.token.length < 16) throw new RangeError('the admin token must be at least 16 characters')
  void app.register(
    async (admin) => {
      admin.setErrorHandler((error: FastifyError | AdminError, request, reply) => {
        if (error instanceof AdminError) {
          if (error.status >= 500) request.log.error({ err: error, code: error.code }, 'admin request failed')
          return sendError(reply, error.code, error.message)
        }
        // Fastify's own client errors carry `statusCode`; the collector's body parser (on
        // `sillage start`'s app) refuses bad JSON with a `status`. Both are the client's to fix.
        const status = error.statusCode ?? (error as { status?: unknown }).status
        if (typeof status === 'number' && status >= 400 && status < 500) {
          const code = clientErrorCode(status)
          return code === 'SIL_PRIVACY_REQUEST_INVALID'
            ? sendError(reply, code, `${ADMIN_ERRORS[code].message} (${error.message})`)
            : sendError(reply, code)
        }
        request.log.error({ err: error }, 'admin request failed')
        return sendError(reply, 'SIL_INTERNAL')
      })
      admin.addHook('onRequest', async (request: FastifyRequest) => {
        if (!adminTokenMatches(request.headers.authorization, deps.token)) {
          throw new AdminError('SIL_ADMIN_UNAUTHORIZED')
        }
        // Before the body is read: `sillage start`'s collector parser would take any label as JSON.
        if (request.method === 'POST' && !isJson(request.headers['content-type'])) {
          throw new AdminError('SIL_PRIVACY_UNSUPPORTED_MEDIA_TYPE')
        }
      })

      admin.post('/erasure', POST, async (request) => {
        const report = await deps.privacy.erase(parseSubject(request.body))
        return { success: true, ...report }
      })
      admin.get<{ Params: { requestId: string } }>('/erasure/:requestId', async (request) => {
        const row = await deps.privacy.getRequest(request.params.requestId)
        return { success: true, request: { ...row, deleted_rows: JSON.parse(row.deleted_rows) as unknown } }
      })
      admin.post('/export', POST, async (request, reply) => {
        const document = await deps.privacy.exportSubject(parseSubject(request.body))
        return reply
          .header('content-disposition', 'attachment; filename="sillage-export.json"')
          .send(document)
      })
      admin.post('/consent', POST, async (request) => {
        return { success: true, ...(await deps.privacy.consent(parseSubject(request.body))) }
      })
    },
    { prefix: PRIVACY_PREFIX },
  )
}
