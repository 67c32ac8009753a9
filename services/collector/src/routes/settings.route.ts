import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Source } from '@sillage/schemas'
import { CollectorError } from '../errors.js'
import { originAllowed } from '../domain/auth.js'

/**
 * `GET /v1/projects/:writeKey/settings`: the settings analytics.js (Segment's browser library)
 * fetches before it sends anything, by default from cdn.segment.com. Point its `cdnURL` at the
 * collector and it gets this minimal, valid object: no device-mode destinations, no middleware, no
 * metrics, and the Segment.io destination pointed back at this collector (the host the request
 * came to, X-Forwarded-Host behind a trusted proxy). Browser write keys only.
 */
export function registerSettingsRoute(
  app: FastifyInstance,
  deps: { findSource: (writeKey: string) => Source | undefined },
): void {
  app.get(
    '/v1/projects/:writeKey/settings',
    async (request: FastifyRequest<{ Params: { writeKey: string } }>, reply) => {
      const { writeKey } = request.params
      const source = deps.findSource(writeKey)
      if (!source || source.type !== 'browser') throw new CollectorError('SIL_AUTH_INVALID')
      if (!originAllowed(source, request.headers.origin)) throw new CollectorError('SIL_ORIGIN_NOT_ALLOWED')
      return reply.header('cache-control', 'public, max-age=300').send(segmentSettings(writeKey, request))
    },
  )
}

export function segmentSettings(writeKey: string, request: Pick<FastifyRequest, 'host' | 'protocol'>) {
  return {
    integrations: {
      'Segment.io': {
        apiKey: writeKey,
        // analytics.js posts to `${protocol}://${apiHost}/{t,p,i,g,a,s}` (or /b when batching).
        apiHost: `${request.host}/v1`,
        protocol: request.protocol,
        unbundledIntegrations: [],
        addBundledMetadata: true,
        maybeBundledConfigIds: {},
        versionSettings: { componentTypes: ['browser'] },
      },
    },
    plan: {
      track: { __default: { enabled: true, integrations: {} } },
      identify: { __default: { enabled: true } },
      group: { __default: { enabled: true } },
    },
    edgeFunction: {},
    analyticsNextEnabled: true,
    middlewareSettings: {},
    enabledMiddleware: {},
    metrics: { sampleRate: 0 },
    legacyVideoPluginsEnabled: false,
    remotePlugins: [],
  }
}
