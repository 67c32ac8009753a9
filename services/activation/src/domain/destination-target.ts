/**
 * Where a destination points, checked when the definitions are read (docs/activation.md): a
 * webhook's URL and a file export's directory. Pure (node:path only); each check returns the
 * problem, or undefined when the target is acceptable.
 */
import { BlockList, isIP } from 'node:net'
import { isAbsolute, relative, resolve, sep } from 'node:path'

/** The dead-letter reason's code when a webhook's host resolves to a refused address. */
export const ADDRESS_REFUSED = 'SIL_DESTINATION_ADDRESS_REFUSED'

/**
 * Addresses a webhook is never sent to (decision, docs/activation.md): link-local, where clouds
 * serve instance metadata and credentials (169.254.169.254, fe80::/10, IPv4-mapped forms too),
 * and AWS's IPv6 metadata address. Loopback and private networks stay allowed: a self-hosted
 * receiver on 127.0.0.1 or the LAN is the normal case here, unlike a multi-tenant SaaS.
 */
const REFUSED = new BlockList()
REFUSED.addSubnet('169.254.0.0', 16, 'ipv4')
REFUSED.addSubnet('fe80::', 10, 'ipv6')
REFUSED.addAddress('fd00:ec2::254', 'ipv6')
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog'])

/** Whether an IP address (v4 or v6) is one a webhook is never sent to. */
export function isRefusedAddress(address: string): boolean {
  const v = isIP(address)
  return v !== 0 && REFUSED.check(address, v === 4 ? 'ipv4' : 'ipv6')
}

/** The problem with a URL's host (an IP literal, or a metadata name), before any DNS look-up. */
function hostProblem(hostname: string): string | undefined {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (isRefusedAddress(host) || METADATA_HOSTS.has(host.replace(/\.$/, '')))
    return 'a link-local or cloud metadata address (169.254.0.0/16, fe80::/10) never receives a webhook'
  return undefined
}

/**
 * A webhook URL is http: or https:, carries no credentials, and does not name a link-local or
 * metadata host (the sender checks what a name resolves to as well). `file:`, `ftp:` and the like can
 * never be POSTed to; `user:password@` is refused by Node's fetch ("Request cannot be constructed
 * from a URL that includes credentials") and would leak into logs and dead letters. The problem
 * never repeats the URL, so a credential in it is not echoed either.
 */
export function webhookUrlProblem(url: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return 'not a URL'
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return `only http: and https: URLs can receive a webhook, not ${parsed.protocol}`
  if (parsed.username !== '' || parsed.password !== '')
    return (
      'credentials in the URL (user:password@) are refused: fetch rejects them and they would be logged; ' +
      'authenticate the receiver with the signed header (SILLAGE_DESTINATION_SECRET_<ID>) instead'
    )
  return hostProblem(parsed.hostname)
}

/**
 * A file export's directory is relative to the data dir and stays inside it: not absolute, and no
 * `..` that climbs out once normalised (`exports/../ads` is fine, `../ads` is not).
 */
export function exportDirectoryProblem(directory: string): string | undefined {
  if (directory.includes('\0')) return 'contains a NUL character'
  if (isAbsolute(directory))
    return 'must be relative to the data dir (an absolute path could write anywhere on the machine)'
  if (escapes(relative('/base', resolve('/base', directory))))
    return 'must stay inside the data dir (no ".." leading out of it)'
  return undefined
}

/** The export directory under the data dir; throws if it would leave it (checked at parse too). */
export function resolveExportDirectory(dataDir: string, directory: string): string {
  const problem = exportDirectoryProblem(directory)
  const dir = resolve(dataDir, directory)
  if (problem !== undefined || escapes(relative(resolve(dataDir), dir)))
    throw new RangeError(
      `file destination directory ${JSON.stringify(directory)}: ${problem ?? 'outside the data dir'}`,
    )
  return dir
}

const escapes = (rel: string) => rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)
