import { timingSafeEqual } from 'node:crypto'

/**
 * The admin token check shared by every admin endpoint (`/admin/query`, `/admin/privacy/*`, …):
 * `Authorization: Bearer <SILLAGE_ADMIN_TOKEN>`, compared in constant time. A write key never
 * passes, whatever the scheme it comes in (Basic, or Bearer with the key).
 */
export function adminTokenMatches(authorization: string | undefined, token: string): boolean {
  if (token === '') return false
  const header = authorization ?? ''
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '')
  const expected = Buffer.from(token)
  return given.length === expected.length && timingSafeEqual(given, expected)
}
