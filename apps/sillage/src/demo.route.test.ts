import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { DEMO_PAGES, demoSnippet, registerDemoRoutes } from './demo.route.js'

const STUB = '((t,s,c)=>{})(window,document,"__SILLAGE_SDK_URL__");'

describe('demo shop', () => {
  it('puts the real snippet in, pointed at /sdk.js, with the write key made safe for <script>', () => {
    const html = demoSnippet('wk_</script><script>alert(1)//', STUB)
    expect(html).toContain('(window,document,"/sdk.js");')
    expect(html).not.toContain('</script>')
    expect(html).toContain('"writeKey":"wk_\\u003c/script\\u003e\\u003cscript\\u003ealert(1)//"')
  })

  it('serves its pages with the snippet and its assets, and nothing else', async () => {
    const app = Fastify()
    registerDemoRoutes(app, { writeKey: 'wk_browser_0123456789' })
    for (const name of DEMO_PAGES) {
      const res = await app.inject({ method: 'GET', url: name === 'index' ? '/demo/' : `/demo/${name}.html` })
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(res.body).toContain('sillage.init({"writeKey":"wk_browser_0123456789"')
      expect(res.body).not.toContain('SILLAGE_SNIPPET')
    }
    for (const asset of ['shop.js', 'catalogue.js', 'shop.css'])
      expect((await app.inject({ method: 'GET', url: `/demo/${asset}` })).statusCode).toBe(200)
    for (const url of ['/demo/..%2Fsrc%2Fmain.ts', '/demo/nope.html', '/demo/index.htm']) {
      expect((await app.inject({ method: 'GET', url })).statusCode).toBe(404)
    }
    await app.close()
  })
})
