/**
 * Where a destination points, checked when the definitions are read (docs/activation.md): a
 * webhook's URL and a file export's directory. Pure (node:path only); each check returns the
 * problem, or undefined when the target is acceptable.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path'

/**
 * A webhook URL is http: or https: and carries no credentials. `file:`, `ftp:` and the like can
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
  return undefined
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
