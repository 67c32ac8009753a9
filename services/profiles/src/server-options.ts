import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify'
import { v1WithoutTrailingSlash } from '@sillage/runtime'
import { errorBody } from './errors.js'

/** The longest identifier value in a path (an email, a long user id), as on the collector's port. */
export const MAX_PARAM_LENGTH = 1024

/**
 * Options of every server of the profile routes (the standalone service's, the `start` thread's):
 * identifier values up to 1 KB, not Fastify's 100 characters; what the router refuses before any
 * handler (a longer value, a malformed URL) answers with a SIL_ code in the profile API's body.
 */
export const profilesServerOptions = {
  routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
  // A trailing slash under /v1/ names the same endpoint, as on the collector's port.
  rewriteUrl: (req: { url?: string }) => v1WithoutTrailingSlash(req.url ?? '/'),
  frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
    const code =
      error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'SIL_PROFILE_URI_TOO_LONG' : 'SIL_PROFILE_BAD_IDENTIFIER'
    void reply.code(code === 'SIL_PROFILE_URI_TOO_LONG' ? 414 : 400).send(errorBody(code))
  },
} satisfies FastifyServerOptions
