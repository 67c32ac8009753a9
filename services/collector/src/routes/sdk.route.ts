import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { FastifyInstance } from 'fastify'

/**
 * The built browser script, from the declared dependency @sillage/sdk-browser (its `exports`);
 * where it would be when it is not built yet, so that /sdk.js says so.
 */
export function sdkScriptPath(name = 'sillage.min.js'): string {
  const require = createRequire(import.meta.url)
  try {
    return require.resolve(`@sillage/sdk-browser/${name}`)
  } catch {
    return join(dirname(require.resolve('@sillage/sdk-browser/package.json')), `dist/${name}`)
  }
}

/**
 * `GET /sdk.js`: the browser SDK for the snippet; `GET /sdk-personalize.js`: its optional
 * personalisation add-on (docs/sdk-browser.md#personalisation), served the same way. The URL is not versioned, so caches keep it five
 * minutes and revalidate with the ETag (a 304 costs no body); a day of stale-while-revalidate keeps
 * pages fast while the collector redeploys. Read once, on the first request.
 */
export function registerSdkRoute(
  app: FastifyInstance,
  deps: { path?: string; personalizePath?: string } = {},
): void {
  serveScript(app, '/sdk.js', deps.path ?? sdkScriptPath())
  serveScript(app, '/sdk-personalize.js', deps.personalizePath ?? sdkScriptPath('sillage-personalize.min.js'))
}

function serveScript(app: FastifyInstance, url: string, file: string): void {
  let script: { body: Buffer; etag: string } | undefined
  app.get(url, async (request, reply) => {
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
