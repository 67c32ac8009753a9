import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import cors from '@fastify/cors'
import { ulid } from 'ulid'
import type { Source } from '@sillage/schemas'
import type { SuppressionList } from '@sillage/identifiers'
import type { Bus } from '@sillage/bus'
import type { Logger, Registry } from '@sillage/runtime'
import { v1WithoutTrailingSlash } from '@sillage/runtime'
import type { CollectorConfig } from './config.js'
import { createBoundedBus, DEFAULT_INFLIGHT_LIMITS } from './adapters/bounded-bus.js'
import { createSourceIndex } from './domain/auth.js'
import { createRateLimiter } from './domain/rate-limit.js'
import { createUserAgentParser } from './domain/user-agent.js'
import { createScrubberIndex } from './domain/scrub.js'
import { createTrackingPlanIndex } from './domain/tracking-plan.js'
import { createSuppressedCheckIndex } from './domain/suppress.js'
import { createCollectorMetrics } from './metrics.js'
import { registerHealthRoutes } from './routes/health.route.js'
import { registerIngestRoutes } from './routes/ingest.route.js'
import { registerPixelRoute } from './routes/pixel.route.js'
import { registerSdkRoute } from './routes/sdk.route.js'
import { registerSettingsRoute } from './routes/settings.route.js'
import { registerAnonymousIdCookieRefresh } from './routes/anonymous-id-cookie.plugin.js'
import { registerBodyDecoding } from './routes/request-body.js'
import { registerDebugger } from './routes/debugger.route.js'
import {
  createClientErrorHandler,
  createFrameworkErrorHandler,
  registerRefusals,
  type Refusals,
} from './routes/refusals.js'
import type { DebugTap } from './domain/debug-tap.js'

export interface CollectorDeps {
  config: Pick<CollectorConfig, 'maxEventBytes' | 'maxBatchBytes'> &
    Partial<
      Pick<
        CollectorConfig,
        'trustProxy' | 'maxInflightEvents' | 'maxInflightBytes' | 'adminToken' | 'unhealthyAfterMs'
      >
    > & {
      /** How long a request may take to arrive in full (headers and body); DEFAULT_REQUEST_TIMEOUT_MS. */
      requestTimeoutMs?: number
    }
  sources: readonly Source[]
  bus: Bus
  log: Logger
  registry: Registry
  newMessageId?: () => string
  /** The live debugger's tap (/debugger/, on when config.adminToken is set); one is made if absent. */
  debugTap?: DebugTap
  /**
   * The erased identifiers, kept up to date from privacy.suppressions by the composition root
   * (docs/privacy.md); absent, nothing is suppressed.
   */
  suppressions?: SuppressionList
}

/**
 * A request whose body has not arrived in full after this long is answered 408
 * SIL_REQUEST_TIMEOUT and its connection closed. Fastify's default is no limit at all, so a client
 * that sends its headers and then stalls (or trickles) its body would hold a connection and up to
 * a batch's worth of buffered bytes forever (slowloris). Node's own default, 5 minutes: `start`
 * serves its admin uploads (`POST /admin/imports`, up to 1 GB) on this server too.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 300_000

/**
 * The paths a browser may call cross-origin: the Segment API under `/v1/` and the browser-safe
 * profile route (`/v1/me/*`). Not the read-key routes `sillage start` puts on this port
 * (`/v1/profiles/*`, `/v1/recommendations`: for servers only), nor anything outside `/v1/` (the
 * dashboard, the debugger, the admin API: their session cookies are SameSite=Strict, which a shop
 * on a sibling subdomain still sends). Matched on the decoded path (`%70rofiles` routes there
 * too); a path that does not decode is not a browser path.
 */
function isBrowserPath(url: string): boolean {
  const raw = url.split('?', 1)[0] ?? ''
  let path: string
  try {
    path = decodeURIComponent(raw)
  } catch {
    return false
  }
  return path.startsWith('/v1/') && !/^\/v1\/(profiles|recommendations)(\/|$)/.test(path)
}

/** Builds the collector (routes, parsers, error mapping) without listening: tests use inject(). */
export function createCollectorApp(deps: CollectorDeps): FastifyInstance {
  const metrics = createCollectorMetrics(deps.registry)
  const refusals: Refusals = { tap: undefined }
  const requestTimeout = deps.config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
  const app = Fastify({
    // Given to Node's server at construction too: set only afterwards (as Fastify does), Node 20
    // never times a request out. Node checks the open requests at connectionsCheckingInterval.
    requestTimeout,
    http: {
      requestTimeout,
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(requestTimeout / 4))),
    },
    loggerInstance: deps.log.child({ component: 'collector' }) as FastifyBaseLogger,
    // Per-request logs would cost more than the request at 1,000 batches/s; errors are logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.config.maxBatchBytes,
    return503OnClosing: true,
    // Refused per event instead (SIL_EVENT_FORBIDDEN_KEY), keeping the batch's good events.
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    trustProxy: deps.config.trustProxy ?? false,
    // analytics-java posts to `/v1/import/`: under /v1/ a trailing slash names the same endpoint.
    rewriteUrl: (req) => v1WithoutTrailingSlash(req.url ?? '/'),
    // Path parameters (the profile API's identifier values: an email, a long user id) up to 1 KB,
    // not Fastify's 100 characters; a longer one, or a malformed URL, is refused with a SIL_ code.
    routerOptions: { maxParamLength: 1024 },
    frameworkErrors: createFrameworkErrorHandler(metrics, refusals),
    // Malformed HTTP (a body longer than its Content-Length, an unknown method…) gets a SIL_ code too.
    clientErrorHandler: createClientErrorHandler(() => metrics),
  })
  registerRefusals(app, metrics, refusals)
  registerBodyDecoding(app)

  // Preflight for browser keys: any origin some browser source allows. Each request is then
  // checked against its own source's list (SIL_ORIGIN_NOT_ALLOWED).
  const browserOrigins = new Set(
    deps.sources.filter((s) => s.type === 'browser').flatMap((s) => s.allowedOrigins),
  )
  const corsOptions = {
    origin: (origin: string | undefined, cb: (err: Error | null, allow: boolean) => void) =>
      cb(null, origin !== undefined && (browserOrigins.has('*') || browserOrigins.has(origin))),
    credentials: true,
    methods: ['GET', 'POST'],
    allowedHeaders: ['content-type', 'authorization', 'content-encoding', 'x-retry-count'],
    maxAge: 86_400,
  }
  // Only the browser paths answer cross-origin, preflights included (a preflight reaches the
  // plugin's own `OPTIONS *` route, whatever the route's `config: { cors: false }` says).
  const noCors = { ...corsOptions, origin: false }
  void app.register(cors, {
    delegator: (request, cb) => {
      cb(null, isBrowserPath(request.url) ? corsOptions : noCors)
    },
  })

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown'
    metrics.requests.inc({ route, status: reply.statusCode })
    metrics.requestDuration.observe({ route }, reply.elapsedTime / 1000)
  })

  registerHealthRoutes(app, {
    bus: deps.bus,
    registry: deps.registry,
    unhealthyAfterMs: deps.config.unhealthyAfterMs,
  })
  // Tracking plans are compiled here, at start: a plan with a mistake stops the boot, naming it.
  const trackingPlanFor = createTrackingPlanIndex()
  for (const source of deps.sources) trackingPlanFor(source)
  const { bus, tap } = registerDebugger(app, deps)
  refusals.tap = tap
  const ingest = {
    bus: createBoundedBus(bus, {
      limits: {
        maxEvents: deps.config.maxInflightEvents ?? DEFAULT_INFLIGHT_LIMITS.maxEvents,
        maxBytes: deps.config.maxInflightBytes ?? DEFAULT_INFLIGHT_LIMITS.maxBytes,
      },
      registry: deps.registry,
      log: deps.log,
    }),
    findSource: createSourceIndex(deps.sources),
    maxEventBytes: deps.config.maxEventBytes,
    newMessageId: deps.newMessageId ?? ulid,
    parseUserAgent: createUserAgentParser(),
    rateLimiter: createRateLimiter(),
    metrics,
    // Privacy (docs/privacy.md): PII rules per source, and the erased identifiers.
    scrubberFor: createScrubberIndex(),
    suppressedFor: createSuppressedCheckIndex(deps.suppressions),
    trackingPlanFor,
    debugTap: tap,
  }
  registerIngestRoutes(app, ingest)
  registerPixelRoute(app, ingest)
  registerSdkRoute(app)
  registerSettingsRoute(app, ingest)
  registerAnonymousIdCookieRefresh(app, ingest)
  return app
}
