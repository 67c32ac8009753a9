/**
 * The URL the owner's port relays a profile lookup with (profiles-worker.ts). The thread answers
 * through Fastify's inject, which parses the URL as WHATWG does: a path segment `.` or `..`
 * (`%2E` forms included) would be resolved away and the request would reach another path. Such a
 * segment leaves the path: the value goes to the query (`/v1/profiles/{type}?value=…`, the same
 * lookup, docs/profiles.md#lookup), and a type (never a lookup type) becomes `-`, another type
 * that is none, which the thread refuses as it refuses `.` (an empty one would leave
 * `/v1/profiles/`, which a trailing slash makes `/v1/profiles`: no route, a 404). Any other URL is
 * relayed as is. Pure.
 */

const PROFILE_PATH = '/v1/profiles/'
/** The type a dot-segment type is relayed as: not a lookup type, not a dot segment, not empty. */
const NOT_A_TYPE = '-'

/** A path segment that a WHATWG URL parser resolves: `.` or `..` once percent-decoded. */
const isDotSegment = (segment: string) => /^(?:\.|%2e){1,2}$/i.test(segment)

/** The query without its `value` parameters (the path's value replaces them, as on the path route). */
function withoutValue(query: string): string[] {
  return query.split('&').filter((pair) => pair !== '' && decodeName(pair.split('=', 1)[0] ?? '') !== 'value')
}

function decodeName(name: string): string {
  return decoded(name.replaceAll('+', ' ')) ?? name
}

function decoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}

export function relayUrl(url: string): string {
  const mark = url.indexOf('?')
  const path = mark === -1 ? url : url.slice(0, mark)
  const query = mark === -1 ? '' : url.slice(mark + 1)
  if (!path.startsWith(PROFILE_PATH)) return url
  const segments = path.slice(PROFILE_PATH.length).split('/')
  if (segments.length > 2 || !segments.some(isDotSegment)) return url
  const [type = '', value] = segments
  const relayedType = isDotSegment(type) ? NOT_A_TYPE : type
  if (value === undefined) return `${PROFILE_PATH}${relayedType}${mark === -1 ? '' : `?${query}`}`
  // In the query as the path route read it: percent-decoded once (a malformed one never got here).
  const text = decoded(value)
  if (text === undefined) return url
  const params = [...withoutValue(query), `value=${encodeURIComponent(text)}`]
  return `${PROFILE_PATH}${relayedType}?${params.join('&')}`
}
