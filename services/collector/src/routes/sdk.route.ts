import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'

/**
 * The built browser script: the workspace's packages/sdk-browser/dist (four levels up from both
 * src/routes and dist/routes) when it is there, else the installed @sillage/sdk-browser package.
 */
export function sdkScriptPath(): string {
  const workspace = fileURLToPath(
    new URL('../../../../packages/sdk-browser/dist/sillage.min.js', import.meta.url),
  )
  if (existsSync(workspace)) return workspace
  try {
    return createRequire(import.meta.url).resolve('@sillage/sdk-browser/sillage.min.js')
  } catch {
    return workspace
  }
}

/**
 * `GET /sdk.js`: the browser SDK for the snippet. The URL is not versioned, so caches keep it five
 * minutes and revalidate with the ETag (a 304 costs no body); a day of stale-while-revalidate keeps
 * pages fast while the collector redeploys. Read once, on the first request.
 */
export function registerSdkRoute(app: FastifyInstance, deps: { path?: string } = {}): void {
  const file = deps.path ?? sdkScriptPath()
  let script: { body: Buffer; etag: string } | undefined
  app.get('/sdk.js', async (request, reply) => {
    if (!script) {
      try {
        const body = readFileSync(file)
        script = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }
      } catch (err) {
        request.log.error({ err, file }, 'the browser SDK is not built')
        return reply.code(404).send({
          success: false,
          code: 'SIL_NOT_FOUND',
          message: 'the browser SDK is not built: run pnpm build',
        })
      }
    }
    void reply
      .header('cache-control', 'public, max-age=300, stale-while-revalidate=86400')
      .header('etag', script.etag)
      .header('x-content-type-options', 'nosniff')
      .header('cross-origin-resource-policy', 'cross-origin')
    if (request.headers['if-none-match'] === script.etag) return reply.code(304).send()
    return reply.type('text/javascript; charset=utf-8').send(script.body)
  })
}
