/**
 * Base URLs (`host`, `profileHost`) with a path prefix — a collector behind a reverse proxy at
 * `https://shop.example/sillage/` — and the request URLs built on them. `new URL('/v1/batch', base)`
 * would drop the prefix: the prefix and the path are joined as text instead.
 */

/** The value as an http(s) base URL, or a sentence saying why not. */
export function parseBaseUrl(value: unknown): URL | string {
  let u: URL
  try {
    u = new URL(String(value))
  } catch {
    return 'must be an http(s) URL'
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must be an http(s) URL'
  // fetch refuses a URL with credentials, and a query or fragment would end up mid-URL: say so once.
  if (u.username || u.password) return 'must not hold credentials (user:password@)'
  if (u.search || u.hash) return 'must not hold a query or a fragment'
  return u
}

/** The base's path without its trailing slashes: `/sillage` for `…/sillage/`, `` for `…/`. */
export function basePrefix(base: URL): string {
  return base.pathname.replace(/\/+$/, '')
}

/** `path` (starting with `/`) under the base's prefix: `https://shop.example/sillage` + `/v1/batch`. */
export function joinBase(base: URL, path: string): string {
  return new URL(`${base.origin}${basePrefix(base)}${path}`).toString()
}
