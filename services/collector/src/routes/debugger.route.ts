import { readFileSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Bus } from '@sillage/bus'
import type { Source } from '@sillage/schemas'
import { createTappedBus } from '../adapters/tapped-bus.js'
import { matches, type DebugFilter } from '../domain/debug-filter.js'
import { createDebugTap, type DebugTap, type TapMessage } from '../domain/debug-tap.js'
import { REQUEST_ERRORS } from '../errors.js'
import { createDebuggerSessions, type DebuggerSessions } from './debugger-session.js'

export interface DebuggerDeps {
  tap: DebugTap
  adminToken: string
  sources: readonly Source[]
  /** Backlog sent to a page when it connects, per source. Default 50. */
  backlogPerSource?: number
  /** SSE comment interval that keeps proxies from closing an idle stream. Default 15 s. */
  heartbeatMs?: number
}

/** The page's files (services/collector/debugger/), read once: two levels up from src/ and dist/. */
function asset(name: string): string {
  return readFileSync(new URL(`../../debugger/${name}`, import.meta.url), 'utf8')
}

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

/** Never readable cross-origin: the collector's CORS allow-list is for write keys, not for this. */
const NO_CORS = { config: { cors: false } }
/** An SSE stream whose unsent bytes pass this is closed: the page reconnects and gets the backlog. */
const MAX_BUFFERED_BYTES = 1024 * 1024

function page(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply
    .code(status)
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(html)
}

function filterOf(query: Record<string, unknown>): DebugFilter {
  const text = (v: unknown): string | undefined =>
    typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, 200) : undefined
  return { sourceId: text(query['source']), event: text(query['event']), id: text(query['id']) }
}

function sse(res: ServerResponse, event: string, data: unknown, id?: number): void {
  res.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
}

/**
 * The live event debugger at /debugger/: a login form, the page, and /debugger/events, an SSE
 * stream of this process's latest events (backlog, then live) filtered by source, event name and
 * user or anonymous id. Admin only: the form exchanges the admin token for an HttpOnly,
 * SameSite=Strict session cookie (debugger-session.ts, @sillage/runtime's sessions); `Authorization: Bearer` works too.
 */
export function registerDebuggerRoutes(app: FastifyInstance, deps: DebuggerDeps): void {
  const sessions: DebuggerSessions = createDebuggerSessions(deps.adminToken)
  const backlogPerSource = deps.backlogPerSource ?? 50
  const heartbeatMs = deps.heartbeatMs ?? 15_000
  const files = {
    index: asset('index.html'),
    login: asset('login.html'),
    js: asset('debugger.js'),
    css: asset('debugger.css'),
  }
  const loginFailed = files.login.replace('<p id="error" hidden>', '<p id="error">')
  const sourceIds = deps.sources.map((s) => s.id)
  const streams = new Set<ServerResponse>()

  const authorized = (request: FastifyRequest): boolean => sessions.roleOfRequest(request.headers) === 'admin'
  const cookie = (request: FastifyRequest, value: string, maxAgeSeconds: number): string =>
    sessions.setCookie(value, maxAgeSeconds, request.protocol === 'https')

  // Streams would hold app.close() open: end them first.
  app.addHook('preClose', async () => {
    for (const res of streams) res.end()
  })

  void app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 4096 },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    )

    scope.get('/debugger', NO_CORS, async (_request, reply) => reply.redirect('/debugger/'))
    scope.get('/debugger/', NO_CORS, async (request, reply) =>
      authorized(request) ? page(reply, 200, files.index) : page(reply, 200, files.login),
    )
    scope.get('/debugger/debugger.js', NO_CORS, async (_request, reply) =>
      reply.header('cache-control', 'no-cache').type('text/javascript; charset=utf-8').send(files.js),
    )
    scope.get('/debugger/debugger.css', NO_CORS, async (_request, reply) =>
      reply.header('cache-control', 'no-cache').type('text/css; charset=utf-8').send(files.css),
    )

    scope.post<{ Body: { token?: unknown } | undefined }>(
      '/debugger/login',
      NO_CORS,
      async (request, reply) => {
        const token = request.body?.token
        if (typeof token !== 'string' || sessions.roleOf(token) !== 'admin') {
          request.log.warn({ ip: request.ip }, 'debugger login refused')
          return page(reply, 401, loginFailed)
        }
        const session = sessions.issue('admin')
        return reply
          .header('set-cookie', cookie(request, session.value, session.maxAgeSeconds))
          .redirect('/debugger/', 303)
      },
    )
    scope.post('/debugger/logout', NO_CORS, async (request, reply) =>
      reply.header('set-cookie', cookie(request, '', 0)).redirect('/debugger/', 303),
    )

    scope.get<{ Querystring: Record<string, unknown> }>(
      '/debugger/events',
      NO_CORS,
      async (request, reply) => {
        if (!authorized(request)) {
          const { status, message } = REQUEST_ERRORS.SIL_ADMIN_UNAUTHORIZED
          return reply.code(status).send({ success: false, code: 'SIL_ADMIN_UNAUTHORIZED', message })
        }
        const filter = filterOf(request.query)
        const lastId = Number(request.headers['last-event-id'])
        reply.hijack()
        const res = reply.raw
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          'x-accel-buffering': 'no', // nginx: do not buffer the stream
          'x-content-type-options': 'nosniff',
        })
        streams.add(res)
        res.write('retry: 2000\n\n')
        sse(res, 'hello', { sources: sourceIds, filter })
        for (const entry of deps.tap.recent(filter, backlogPerSource, Number.isInteger(lastId) ? lastId : 0))
          sse(res, 'entry', entry, entry.seq)

        const onMessage = (message: TapMessage): void => {
          if (res.writableLength > MAX_BUFFERED_BYTES) {
            res.end() // a page that cannot keep up reconnects and resumes from the backlog
            return
          }
          if (message.kind === 'entry') {
            if (matches(message.entry, filter)) sse(res, 'entry', message.entry, message.entry.seq)
          } else if (message.kind === 'person') {
            sse(res, 'person', { messageId: message.messageId, personId: message.personId })
          } else {
            sse(res, 'skipped', { count: message.count })
          }
        }
        const unwatch = deps.tap.watch(onMessage)
        const heartbeat = setInterval(() => res.write(': ping\n\n'), heartbeatMs)
        heartbeat.unref()
        res.once('close', () => {
          clearInterval(heartbeat)
          unwatch()
          streams.delete(res)
        })
      },
    )
  })
}

/**
 * What app.ts calls: with an admin token, the debugger's routes, and `deps.bus` wrapped so that
 * what it durably writes reaches the tap, and the tap itself (refused requests go to it);
 * without one, nothing (the bus is returned as it is, and no tap).
 */
export function registerDebugger(
  app: FastifyInstance,
  deps: {
    bus: Bus
    sources: readonly Source[]
    config: { adminToken?: string | undefined }
    /** Shared with the in-process identity (sillage start), which reports the stamped persons. */
    debugTap?: DebugTap | undefined
  },
): { bus: Bus; tap?: DebugTap } {
  const adminToken = deps.config.adminToken
  if (!adminToken) return { bus: deps.bus }
  const tap = deps.debugTap ?? createDebugTap()
  registerDebuggerRoutes(app, { tap, adminToken, sources: deps.sources })
  return { bus: createTappedBus(deps.bus, tap), tap }
}
