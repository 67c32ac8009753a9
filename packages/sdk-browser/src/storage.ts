/**
 * First-party storage: cookies (names and formats in `@sillage/schemas` cookies.ts) and
 * localStorage. Every access is guarded: storage may be disabled, full or throw (Safari private
 * mode, sandboxed iframes). Nothing here is called before consent, except the consent cookie.
 */

export function getCookie(name: string): string {
  try {
    const m = document.cookie.match('(?:^|; )' + name + '=([^;]*)')
    if (m) return decodeURIComponent(m[1]!)
  } catch {
    /* cookies disabled */
  }
  return ''
}

/** `maxAge` in seconds; 0 deletes. SameSite=Lax, Path=/, Secure on https, not HttpOnly. */
export function setCookie(name: string, value: string | number, maxAge: number, domain?: string): void {
  try {
    document.cookie =
      name +
      '=' +
      encodeURIComponent(value) +
      ';Max-Age=' +
      maxAge +
      ';Path=/;SameSite=Lax' +
      (location.protocol == 'https:' ? ';Secure' : '') +
      (domain ? ';Domain=' + domain : '')
  } catch {
    /* cookies disabled */
  }
}

/** localStorage: get (`value` undefined), set (a string) or remove (null). */
export function local(key: string, value?: string | null): string | null | undefined {
  try {
    const s = localStorage
    if (value === undefined) return s.getItem(key)
    if (value === null) s.removeItem(key)
    else s.setItem(key, value)
  } catch {
    /* storage disabled or full */
  }
  return undefined
}
