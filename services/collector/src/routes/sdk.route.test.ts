import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { afterAll, describe, expect, it } from 'vitest'
import { registerSdkRoute, sdkScriptPath } from './sdk.route.js'

const dir = mkdtempSync(join(tmpdir(), 'sillage-sdk-route-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('GET /sdk.js', () => {
  it('serves the built script with revalidation headers, and 304 for a matching ETag', async () => {
    const file = join(dir, 'sillage.min.js')
    writeFileSync(file, '(()=>{window.x=1})();')
    const app = Fastify()
    registerSdkRoute(app, { path: file })
    const res = await app.inject({ method: 'GET', url: '/sdk.js' })
    expect(res.statusCode).toBe(200)
    expect(res.body).toBe('(()=>{window.x=1})();')
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(res.headers['cache-control']).toBe('public, max-age=300, stale-while-revalidate=86400')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    const etag = res.headers['etag'] as string
    expect(etag).toMatch(/^"[\w-]{22}"$/)
    const again = await app.inject({ method: 'GET', url: '/sdk.js', headers: { 'if-none-match': etag } })
    expect(again.statusCode).toBe(304)
    expect(again.body).toBe('')
    await app.close()
  })

  it('answers 404 with a code when the SDK is not built', async () => {
    const app = Fastify({ logger: false })
    registerSdkRoute(app, { path: join(dir, 'missing.js') })
    const res = await app.inject({ method: 'GET', url: '/sdk.js' })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ success: false, code: 'SIL_NOT_FOUND' })
    await app.close()
  })

  it('serves the personalisation add-on at /sdk-personalize.js, apart from the SDK', async () => {
    const sdk = join(dir, 'sdk.js')
    const addon = join(dir, 'addon.js')
    writeFileSync(sdk, 'sdk();')
    writeFileSync(addon, 'addon();')
    const app = Fastify()
    registerSdkRoute(app, { path: sdk, personalizePath: addon })
    const res = await app.inject({ method: 'GET', url: '/sdk-personalize.js' })
    expect(res.statusCode).toBe(200)
    expect(res.body).toBe('addon();')
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect((await app.inject({ method: 'GET', url: '/sdk.js' })).body).toBe('sdk();')
    await app.close()
  })

  it("finds the workspace's build by default", () => {
    expect(sdkScriptPath('sillage-personalize.min.js')).toMatch(
      /packages\/sdk-browser\/dist\/sillage-personalize\.min\.js$/,
    )
    expect(sdkScriptPath()).toMatch(/packages\/sdk-browser\/dist\/sillage\.min\.js$/)
  })
})
