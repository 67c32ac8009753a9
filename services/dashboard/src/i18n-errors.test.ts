import { describe, expect, it } from 'vitest'
// The page's own module (served as is to the browser).
import { errorText } from '../public/i18n.js'

describe("the dashboard page's API errors", () => {
  it('are named in French for a French reader, with the English detail kept', () => {
    const body = { success: false, code: 'SIL_DASHBOARD_FILTER_INVALID', message: 'from: not a date' }
    expect(errorText('fr-FR', body, 'Bad Request')).toBe('un filtre est mal formé (from: not a date)')
    expect(errorText('en-GB', body, 'Bad Request')).toBe('from: not a date')
  })

  it('fall back to the message, then the status text, for unknown codes and odd bodies', () => {
    expect(errorText('fr-FR', { code: 'toString', message: 'm' }, 's')).toBe('m')
    expect(errorText('fr-FR', null, 'Service Unavailable')).toBe('Service Unavailable')
    expect(errorText('__proto__', { code: 'SIL_DASHBOARD_QUERY_FAILED' }, 's')).toBe('s')
  })
})
