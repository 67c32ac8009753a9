/**
 * Fastify's `rewriteUrl` for the public API: under /v1/ a trailing slash names the same endpoint,
 * query string or not (`/v1/import/`, as analytics-java posts; `/v1/recommendations/?product_id=…`),
 * as Segment's API does. Elsewhere it is kept: `/debugger/` and `/debugger` are two routes. Shared by
 * the collector's port and the profiles' port, so one URL answers the same on both.
 */
export function v1WithoutTrailingSlash(url: string): string {
  if (!url.startsWith('/v1/')) return url
  const mark = url.indexOf('?')
  const path = mark === -1 ? url : url.slice(0, mark)
  if (path.length <= 4 || !path.endsWith('/')) return url
  return path.slice(0, -1) + (mark === -1 ? '' : url.slice(mark))
}
