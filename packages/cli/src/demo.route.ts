import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'

/** JSON that is safe inside a <script> element: no "</script>", no HTML comment openers. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029')
}

export function registerDemoRoutes(app: FastifyInstance, deps: { writeKey: string }) {
  const template = readFileSync(new URL('../demo/index.html', import.meta.url), 'utf8')
  const page = template.replace(
    '/* SILLAGE_CONFIG */',
    `window.SILLAGE_CONFIG = ${scriptSafeJson({ writeKey: deps.writeKey })};`,
  )
  app.get('/demo', async (_request, reply) => reply.redirect('/demo/'))
  app.get('/demo/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page))
}
