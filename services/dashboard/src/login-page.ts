/**
 * The sign-in page in the reader's language: the view's `lang` (the dashboard's own choice, carried
 * by its URL) if it names one, else the browser's Accept-Language (French for any `fr`, as the page
 * itself decides from navigator.language), else British English. Rendered on the server: the page
 * works without script. The words are this module's constants; only the view (already
 * percent-encoded by viewQuery) comes from the request, and it is attribute-escaped here.
 */
export type LoginLang = 'en-GB' | 'fr-FR'

const WORDS: Record<LoginLang, Record<string, string>> = {
  'en-GB': {
    title: 'Sillage · dashboard · sign in',
    heading: 'Sillage dashboard',
    label: 'Analyst token (<code>SILLAGE_ANALYST_TOKEN</code>) or admin token',
    submit: 'Sign in',
    error: 'That token is neither the analyst token nor the admin token.',
    hint:
      'Signing in sets an HttpOnly session cookie for /dashboard/ that expires after 12 hours; the token ' +
      'itself is not kept by the page. The analyst token opens this dashboard and nothing else.',
  },
  'fr-FR': {
    title: 'Sillage · tableau de bord · connexion',
    heading: 'Tableau de bord Sillage',
    label: 'Jeton analyste (<code>SILLAGE_ANALYST_TOKEN</code>) ou jeton d’administration',
    submit: 'Se connecter',
    error: 'Ce jeton n’est ni le jeton analyste ni le jeton d’administration.',
    hint:
      'La connexion pose un cookie de session HttpOnly pour /dashboard/, valable 12 heures ; le jeton ' +
      'lui-même n’est pas conservé par la page. Le jeton analyste n’ouvre que ce tableau de bord.',
  },
}

/** The language of the sign-in page for a view's `lang` and the request's Accept-Language. */
export function loginLang(viewLang: unknown, acceptLanguage: unknown): LoginLang {
  if (viewLang === 'en-GB' || viewLang === 'fr-FR') return viewLang
  const first = typeof acceptLanguage === 'string' ? acceptLanguage.split(',')[0]?.trim().toLowerCase() : ''
  return first?.startsWith('fr') ? 'fr-FR' : 'en-GB'
}

const attr = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')

/** The page from its template (public/login.html), in `lang`, its form posting `view`. */
export function renderLogin(
  template: string,
  opts: { lang: LoginLang; failed: boolean; view: string },
): string {
  const words = WORDS[opts.lang]
  let html = template.replace(/\{\{(\w+)\}\}/g, (_m, key: string) =>
    key === 'lang' ? opts.lang.slice(0, 2) : (words[key] ?? ''),
  )
  if (opts.failed) html = html.replace('<p id="error" hidden>', '<p id="error">')
  if (opts.view)
    html = html.replace('action="/dashboard/login"', `action="/dashboard/login?${attr(opts.view)}"`)
  return html
}
