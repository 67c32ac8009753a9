import type { FastifyError, FastifyInstance } from 'fastify'
import { adminTokenMatches } from '@sillage/runtime'
import { ActivationError } from '../errors.js'
import { ActivationFileError, parseAudienceDefinition, type AudienceDef } from '../domain/activation-file.js'
import { isStreamEvaluable } from '../domain/audience-stream.js'
import type { ActivationRunner } from '../audiences/activation-runner.js'

export interface AudienceRouteDeps {
  /** SILLAGE_ADMIN_TOKEN: `Authorization: Bearer <token>`. Write and read keys never pass. */
  token: string
  runner: ActivationRunner
  now?: () => number
}

type Body = Record<string, unknown>

/**
 * What the API adds to an audience it answers with (`view`, the list): a body sent back as read
 * (GET, edit, PUT) may carry them, and they are ignored. Any other key the definition does not
 * have is refused (activation-file.ts), not dropped.
 */
const SERVER_FIELDS = ['version', 'origin', 'readOnly', 'evaluation', 'updatedAt', 'shadowed', 'valid']

const view = (a: AudienceDef, origin: 'file' | 'api', extra: Record<string, unknown> = {}) => ({
  id: a.id,
  ...(a.name !== undefined && { name: a.name }),
  ...(a.description !== undefined && { description: a.description }),
  ...(a.rule !== undefined ? { rule: a.rule } : { sql: a.sql }),
  destinations: a.destinations,
  origin,
  readOnly: origin === 'file',
  evaluation: isStreamEvaluable(a) ? 'stream+schedule' : 'schedule',
  ...extra,
})

/**
 * `/admin/audiences` (docs/activation.md): create, list, get, update (versioned), delete and
 * preview the audiences defined through the API, validated by the activation file's own parser;
 * the file's audiences are listed read-only. Encapsulated (its own auth and errors), registered
 * on the collector's app by `sillage start`, and on its own server by the standalone service.
 */
export function registerAudienceRoutes(app: FastifyInstance, deps: AudienceRouteDeps): void {
  if (deps.token.length < 16) throw new RangeError('the admin token must be at least 16 characters')
  const { runner } = deps
  const now = deps.now ?? Date.now
  const parse = (body: unknown, id?: string): AudienceDef => {
    const input = { ...((body ?? {}) as Body) }
    for (const key of SERVER_FIELDS) delete input[key]
    if (id !== undefined) input['id'] ??= id
    if (id !== undefined && input['id'] !== id)
      throw new ActivationError('SIL_AUDIENCE_INVALID', 'the body id differs from the URL')
    const destinations = new Set(runner.fileDefinitions().destinations.map((d) => d.id))
    try {
      return parseAudienceDefinition(input, destinations)
    } catch (err) {
      if (err instanceof ActivationFileError)
        throw new ActivationError('SIL_AUDIENCE_INVALID', err.message, err.problems)
      throw err
    }
  }
  const fileAudience = (id: string) => runner.fileDefinitions().audiences.find((a) => a.id === id)
  const latest = async (id: string) => (await runner.api.refresh()).find((s) => s.id === id)
  const definitionOf = (a: AudienceDef) => {
    const { ast: _ast, ...rest } = a
    return rest as Record<string, unknown>
  }

  void app.register(
    async (admin) => {
      admin.setErrorHandler((error: FastifyError | ActivationError, request, reply) => {
        if (error instanceof ActivationError)
          return reply.code(error.status).send({
            success: false,
            code: error.code,
            message: error.message,
            ...(error.details !== undefined && { problems: error.details }),
          })
        // Fastify's own client errors carry `statusCode`; the collector's body parser (on
        // `sillage start`'s app) refuses bad JSON with its own SIL_ code and a `status`.
        const { status, code } = error as { status?: unknown; code?: unknown }
        const clientStatus = error.statusCode ?? status
        if (typeof clientStatus === 'number' && clientStatus >= 400 && clientStatus < 500)
          return reply.code(400).send({
            success: false,
            code: typeof code === 'string' && code.startsWith('SIL_') ? code : 'SIL_AUDIENCE_INVALID',
            message: error.message,
          })
        request.log.error({ err: error }, 'audience request failed')
        return reply.code(500).send({ success: false, code: 'SIL_INTERNAL', message: 'internal error' })
      })
      admin.addHook('onRequest', async (request) => {
        if (!adminTokenMatches(request.headers.authorization, deps.token))
          throw new ActivationError('SIL_ADMIN_UNAUTHORIZED')
      })

      admin.get('/', async () => {
        const file = runner.fileDefinitions().audiences
        const fileIds = new Set(file.map((a) => a.id))
        const stored = (await runner.api.refresh()).filter((s) => !s.deleted)
        const parsed = new Map((await runner.loadDefinitions()).audiences.map((a) => [a.id, a]))
        return {
          success: true,
          audiences: [
            ...file.map((a) => view(a, 'file')),
            ...stored.map((s) => {
              const a = parsed.get(s.id)
              const extra = { version: s.version, updatedAt: s.updatedAt, shadowed: fileIds.has(s.id) }
              return a && !fileIds.has(s.id)
                ? view(a, 'api', extra)
                : { ...s.definition, origin: 'api', readOnly: false, ...extra, valid: false }
            }),
          ],
        }
      })

      admin.get<{ Params: { id: string } }>('/:id', async (request) => {
        const f = fileAudience(request.params.id)
        if (f) return { success: true, audience: view(f, 'file') }
        const s = await latest(request.params.id)
        if (!s || s.deleted) throw new ActivationError('SIL_AUDIENCE_NOT_FOUND')
        return {
          success: true,
          audience: view(parse(s.definition), 'api', { version: s.version, updatedAt: s.updatedAt }),
        }
      })

      admin.post('/', async (request, reply) => {
        const a = parse(request.body)
        const written = await runner.api.serial(async () => {
          if (fileAudience(a.id)) throw new ActivationError('SIL_AUDIENCE_READ_ONLY')
          const s = await latest(a.id)
          if (s && !s.deleted) throw new ActivationError('SIL_AUDIENCE_EXISTS')
          const version = (s?.version ?? 0) + 1
          await runner.api.store.write(a.id, version, definitionOf(a), false, now())
          return version
        })
        runner.audienceChanged(a)
        return reply.code(201).send({ success: true, audience: view(a, 'api', { version: written }) })
      })

      admin.put<{ Params: { id: string } }>('/:id', async (request) => {
        const a = parse(request.body, request.params.id)
        const expected = (request.body as Body | undefined)?.['version']
        if (typeof expected !== 'number')
          throw new ActivationError(
            'SIL_AUDIENCE_INVALID',
            'version: the version you are updating is required',
          )
        const written = await runner.api.serial(async () => {
          if (fileAudience(a.id)) throw new ActivationError('SIL_AUDIENCE_READ_ONLY')
          const s = await latest(a.id)
          if (!s || s.deleted) throw new ActivationError('SIL_AUDIENCE_NOT_FOUND')
          if (s.version !== expected)
            throw new ActivationError(
              'SIL_AUDIENCE_VERSION_CONFLICT',
              `the audience is at version ${s.version}, not ${expected}`,
            )
          await runner.api.store.write(a.id, s.version + 1, definitionOf(a), false, now())
          return s.version + 1
        })
        runner.audienceChanged(a)
        return { success: true, audience: view(a, 'api', { version: written }) }
      })

      admin.delete<{ Params: { id: string } }>('/:id', async (request) => {
        const id = request.params.id
        const version = await runner.api.serial(async () => {
          if (fileAudience(id)) throw new ActivationError('SIL_AUDIENCE_READ_ONLY')
          const s = await latest(id)
          if (!s || s.deleted) throw new ActivationError('SIL_AUDIENCE_NOT_FOUND')
          await runner.api.store.write(id, s.version + 1, s.definition, true, now())
          return s.version + 1
        })
        runner.audienceChanged()
        return { success: true, id, version, deleted: true }
      })

      // Preview: a saved audience by id, or an unsaved definition in the body.
      const preview = async (a: AudienceDef) => {
        const members = await runner.preview(a)
        return { success: true, audience: a.id, members: members.length, sample: members.slice(0, 20) }
      }
      admin.post('/preview', async (request) => preview(parse(request.body)))
      admin.post<{ Params: { id: string } }>('/:id/preview', async (request) => {
        const f = fileAudience(request.params.id)
        if (f) return preview(f)
        const s = await latest(request.params.id)
        if (!s || s.deleted) throw new ActivationError('SIL_AUDIENCE_NOT_FOUND')
        return preview(parse(s.definition))
      })

      // Sync now (the CLI's `audiences sync` while `sillage start` runs): recompute, record, emit,
      // then deliver what is pending; every audience, or one.
      const sync = async (id?: string) => ({
        success: true,
        synced: await runner.syncNow(id),
        delivered: await runner.deliverNow(),
      })
      admin.post('/sync', async () => sync())
      admin.post<{ Params: { id: string } }>('/:id/sync', async (request) => {
        const { id } = request.params
        if (!(await runner.loadDefinitions()).audiences.some((a) => a.id === id))
          throw new ActivationError('SIL_AUDIENCE_NOT_FOUND')
        return sync(id)
      })
    },
    { prefix: '/admin/audiences' },
  )
}
