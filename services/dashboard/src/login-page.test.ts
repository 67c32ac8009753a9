import { describe, expect, it } from 'vitest'
import { loginLang, renderLogin } from './login-page.js'

const TEMPLATE =
  '<html lang="{{lang}}"><h1>{{heading}}</h1><form action="/dashboard/login"><button>{{submit}}</button>' +
  '<p id="error" hidden>{{error}}</p></form><p>{{hint}}</p></html>'

describe('the sign-in page', () => {
  it("takes the view's lang first, then the browser's first language, else British English", () => {
    expect(loginLang('fr-FR', 'en-GB')).toBe('fr-FR')
    expect(loginLang('en-GB', 'fr')).toBe('en-GB')
    expect(loginLang(undefined, 'fr-CA,fr;q=0.9')).toBe('fr-FR')
    expect(loginLang('__proto__', 'FR')).toBe('fr-FR')
    expect(loginLang(undefined, 'de-DE,fr;q=0.5')).toBe('en-GB')
    expect(loginLang(['fr-FR'], undefined)).toBe('en-GB')
  })

  it('fills every placeholder in the language, shows the error only when refused, escapes the view', () => {
    const fr = renderLogin(TEMPLATE, { lang: 'fr-FR', failed: true, view: 'from=2026-01-01&x="<' })
    expect(fr).toContain('<html lang="fr">')
    expect(fr).toContain('Se connecter')
    expect(fr).toContain('<p id="error">Ce jeton')
    expect(fr).toContain('action="/dashboard/login?from=2026-01-01&amp;x=&quot;&lt;"')
    expect(fr).not.toMatch(/\{\{|\}\}/)
    const en = renderLogin(TEMPLATE, { lang: 'en-GB', failed: false, view: '' })
    expect(en).toContain('<p id="error" hidden>That token')
    expect(en).toContain('action="/dashboard/login"')
  })
})
