import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * The token of `Authorization: Bearer <token>`, or undefined. The scheme is matched in any case
 * (`bearer`, `BEARER`: RFC 9110 §11.1 makes it case-insensitive), with one or more spaces after it.
 */
export function bearerCredentials(authorization: string | undefined): string | undefined {
  return /^bearer +(\S+)$/i.exec(authorization ?? '')?.[1]
}

/**
 * The admin token check shared by every admin endpoint (`/admin/query`, `/admin/privacy/*`, …):
 * `Authorization: Bearer <SILLAGE_ADMIN_TOKEN>`, compared in constant time: the SHA-256 digests
 * of both are compared, so that neither the token's content nor its length shows in the time
 * taken. A write key never passes, whatever the scheme it comes in (Basic, or Bearer with the key).
 */
export function adminTokenMatches(authorization: string | undefined, token: string): boolean {
  if (token === '') return false
  const given = bearerCredentials(authorization)
  if (given === undefined) return false
  return timingSafeEqual(digest(given), digest(token))
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest()
