import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from '@sillage/runtime'
import type { DashboardQueries } from '../adapters/dashboard-queries.js'
import { defaultLastDay, parseFilters, type Filters } from '../domain/filters.js'
import type { AudienceSummary } from '../domain/reactivation.js'
import { DASHBOARD_ERRORS, type DashboardErrorCode } from '../errors.js'
import { buildOverview } from '../overview.js'
import { createOverviewCache, OVERVIEW_TTL_MS } from '../overview-cache.js'
import { loginLang, renderLogin } from '../login-page.js'
import { readOverviewData, type OverviewData } from '../overview-data.js'
import { createDashboardSessions, type Role } from './dashboard-session.js'

export interface DashboardRouteDeps {
  queries: DashboardQueries
  log: Logger
  adminToken: string
  analystToken?: string | undefined
  /** The audiences, file and API (re-read per request; a failure shows none). */
  audiences?: (() => Promise<readonly AudienceSummary[]>) | undefined
  /** How long a view's figures are kept (ms; default OVERVIEW_TTL_MS, 0: read every time). */
  overviewCacheMs?: number | undefined
}

const require = createRequire(import.meta.url)
/** The page's own files (services/dashboard/public/): two levels up from src/routes and dist/routes. */
const own = (name: string) => readFileSync(new URL(`../../public/${name}`, import.meta.url), 'utf8')
/** uPlot (MIT), vendored from its npm package and served from here: no CDN. */
const vendor = (name: string) => readFileSync(require.resolve(`uplot/dist/${name}`), 'utf8')

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')
const NO_CORS = { config: { cors: false } }
const OPTIONS_TTL_MS = 30_000

/** What a view's URL holds (docs/dashboard.md, "Filters and the URL"). */
const VIEW = ['from', 'to', 'source', 'channel', 'store', 'granularity', 'lang'] as const
/**
 * The view of a URL, re-encoded (`a=1&b=2`, every other character percent-encoded): the sign-in
 * form carries it through, so that signing in again (a session that expired) returns to the same
 * view. Only these names, each once and bounded; the path stays /dashboard/ (no open redirect).
 */
export function viewQuery(query: unknown): string {
  const q = (query ?? {}) as Record<string, unknown>
  const out = new URLSearchParams()
  for (const name of VIEW) {
    const v = q[name]
    if (typeof v === 'string' && v !== '' && v.length <= 1000) out.set(name, v)
  }
  return out.toString()
}

/** A cached view's key: every filter that changes what the models return. */
const viewKey = (f: Filters): string =>
  JSON.stringify([f.from, f.to, f.source, f.channel, f.store, f.granularity])

function fail(reply: FastifyReply, code: DashboardErrorCode, message?: string): FastifyReply {
  const e = DASHBOARD_ERRORS[code]
  return reply.code(e.status).send({ success: false, code, message: message ?? e.message })
}

/**
 * /dashboard/: the retail dashboard (docs/dashboard.md). The page, its script and styles, uPlot,
 * and a read-only JSON API (/dashboard/api/options, /dashboard/api/overview) that runs fixed,
 * parameterised queries over the analyst models. The admin token or the analyst token opens it:
 * `Authorization: Bearer`, or the sign-in form, which sets an HttpOnly, SameSite=Strict cookie.
 */
export function registerDashboardRoutes(app: FastifyInstance, deps: DashboardRouteDeps): void {
  const sessions = createDashboardSessions({ admin: deps.adminToken, analyst: deps.analystToken })
  const files: Record<string, { body: string; type: string }> = {
    'dashboard.js': { body: own('dashboard.js'), type: 'text/javascript; charset=utf-8' },
    'render.js': { body: own('render.js'), type: 'text/javascript; charset=utf-8' },
    'render-series.js': { body: own('render-series.js'), type: 'text/javascript; charset=utf-8' },
    'render-customers.js': { body: own('render-customers.js'), type: 'text/javascript; charset=utf-8' },
    'dom.js': { body: own('dom.js'), type: 'text/javascript; charset=utf-8' },
    'i18n.js': { body: own('i18n.js'), type: 'text/javascript; charset=utf-8' },
    'dashboard.css': { body: own('dashboard.css'), type: 'text/css; charset=utf-8' },
    'vendor/uPlot.iife.min.js': { body: vendor('uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
    'vendor/uPlot.min.css': { body: vendor('uPlot.min.css'), type: 'text/css; charset=utf-8' },
  }
  const index = own('index.html')
  const login = own('login.html')
  /** The sign-in page in the reader's language, its form posting the view along with the token. */
  const loginPage = (request: FastifyRequest, failed: boolean) => {
    const q = (request.query ?? {}) as Record<string, unknown>
    const lang = loginLang(q['lang'], request.headers['accept-language'])
    return renderLogin(login, { lang, failed, view: viewQuery(request.query) })
  }

  // What the filters can choose from changes slowly, and costs a pass over the sessions: kept
  // OPTIONS_TTL_MS, shared by /api/options and every overview (the page's one request).
  // Everything kept is kept under the erasure stamp read first by the request (`erasures`, a
  // count on deletion_requests): once an erasure has ended, whichever process ran it, the next
  // request reads afresh, and an erased person is in nothing it returns (docs/privacy.md).
  let options: { at: number; stamp: string; value: ReturnType<DashboardQueries['options']> } | undefined
  const currentOptions = (stamp: string) => {
    if (!options || options.stamp !== stamp || Date.now() - options.at > OPTIONS_TTL_MS) {
      const value = deps.queries.options()
      value.catch(() => {
        if (options?.value === value) options = undefined
      })
      options = { at: Date.now(), stamp, value }
    }
    return options.value
  }
  // A view's figures (the models' rows of its filters) are kept OVERVIEW_TTL_MS: the page says
  // as of when. The audiences and their membership are read at every overview.
  // A view without a visit or an order is not kept: an empty shop being seeded shows its figures at
  // the next reload.
  const figures = createOverviewCache<OverviewData>({
    ttlMs: deps.overviewCacheMs ?? OVERVIEW_TTL_MS,
    keep: (d) => d.kpis.some((r) => r.visits > 0 || r.orders > 0),
  })
  const audiences = async (): Promise<readonly AudienceSummary[]> => {
    try {
      return (await deps.audiences?.()) ?? []
    } catch (err) {
      deps.log.warn({ err }, 'dashboard: the audiences could not be read; none shown')
      return []
    }
  }
  const roleOf = (request: FastifyRequest): Role | undefined => sessions.roleOfRequest(request.headers)
  const page = (reply: FastifyReply, status: number, html: string) =>
    reply
      .code(status)
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(html)
  const cookie = (request: FastifyRequest, value: string, maxAge: number) =>
    sessions.setCookie(value, maxAge, request.protocol === 'https')
  const run = async <T>(reply: FastifyReply, work: () => Promise<T>) => {
    try {
      return reply.header('cache-control', 'no-store').send(await work())
    } catch (err) {
      deps.log.error({ err }, 'dashboard query failed')
      return fail(reply, 'SIL_DASHBOARD_QUERY_FAILED')
    }
  }

  void app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 4096 },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    )
    scope.get('/dashboard', NO_CORS, async (_request, reply) => reply.redirect('/dashboard/'))
    scope.get('/dashboard/', NO_CORS, async (request, reply) =>
      page(reply, 200, roleOf(request) ? index : loginPage(request, false)),
    )
    for (const [name, file] of Object.entries(files)) {
      scope.get(`/dashboard/${name}`, NO_CORS, async (_request, reply) =>
        reply.header('cache-control', 'no-cache').type(file.type).send(file.body),
      )
    }
    scope.post<{ Body: { token?: unknown } | undefined }>(
      '/dashboard/login',
      NO_CORS,
      async (request, reply) => {
        const token = request.body?.token
        const role = typeof token === 'string' ? sessions.roleOf(token) : undefined
        const view = viewQuery(request.query)
        if (!role) {
          request.log.warn({ ip: request.ip }, 'dashboard sign-in refused')
          return page(reply, 401, loginPage(request, true))
        }
        const session = sessions.issue(role)
        return reply
          .header('set-cookie', cookie(request, session.value, session.maxAgeSeconds))
          .redirect(view ? `/dashboard/?${view}` : '/dashboard/', 303)
      },
    )
    scope.post('/dashboard/logout', NO_CORS, async (request, reply) =>
      reply.header('set-cookie', cookie(request, '', 0)).redirect('/dashboard/', 303),
    )

    scope.get('/dashboard/api/options', NO_CORS, async (request, reply) => {
      const role = roleOf(request)
      if (!role) return fail(reply, 'SIL_ADMIN_UNAUTHORIZED')
      return run(reply, async () => ({ role, ...(await currentOptions(await deps.queries.erasures())) }))
    })
    scope.get<{ Querystring: Record<string, unknown> }>(
      '/dashboard/api/overview',
      NO_CORS,
      async (request, reply) => {
        if (!roleOf(request)) return fail(reply, 'SIL_ADMIN_UNAUTHORIZED')
        let choices: Awaited<ReturnType<DashboardQueries['options']>>
        let stamp: string
        try {
          stamp = await deps.queries.erasures()
          choices = await currentOptions(stamp)
        } catch (err) {
          deps.log.error({ err }, 'dashboard query failed')
          return fail(reply, 'SIL_DASHBOARD_QUERY_FAILED')
        }
        // The menus list the choices: each of them is a filter the API accepts.
        const parsed = parseFilters(request.query, defaultLastDay(choices.lastDay, Date.now()), choices)
        if (!parsed.ok) return fail(reply, 'SIL_DASHBOARD_FILTER_INVALID', parsed.problem)
        const filters = parsed.filters
        return run(reply, async () => ({
          ...(await buildOverview(deps.queries, filters, await audiences(), {
            firstDay: choices.firstDay,
            read: (f) => figures.get(viewKey(f), () => readOverviewData(deps.queries, f), stamp),
          })),
          options: choices,
        }))
      },
    )
  })
}
