import type { Source } from '@sillage/schemas'

export { createSourceIndex } from '@sillage/schemas'

/** Extracts the write key from `Authorization: Basic base64(writeKey:)`. */
export function writeKeyFromAuthorization(header: string | undefined): string | undefined {
  if (!header) return undefined
  // `Basic`, case-insensitive, then one or more spaces (RFC 9110's 1*SP) and the token.
  const match = /^\s*basic +(\S+)\s*$/i.exec(header)
  const token = match?.[1]
  if (!token) return undefined
  const decoded = Buffer.from(token, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  const key = colon === -1 ? decoded : decoded.slice(0, colon)
  return key.length > 0 ? key : undefined
}

/**
 * Browser write keys are public: a request that carries an Origin must come from one of the
 * source's allowed origins ("*" allows any). Server sources are not checked (their key is secret).
 */
export function originAllowed(source: Source, origin: string | undefined): boolean {
  if (source.type !== 'browser' || origin === undefined) return true
  return source.allowedOrigins.includes('*') || source.allowedOrigins.includes(origin)
}
