import { isIPv4, isIPv6 } from 'node:net'

/**
 * Truncates an IP address for storage: IPv4 to its /24 (last octet zeroed), IPv6 to its /48.
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are treated as IPv4. Anything else becomes ''.
 */
export function truncateIp(ip: string): string {
  const mapped = ip.toLowerCase().startsWith('::ffff:') ? ip.slice(7) : ip
  if (isIPv4(mapped)) return mapped.replace(/\.\d+$/, '.0')
  if (!isIPv6(ip)) return ''
  const [head = '', tail = ''] = ip.split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const groups = ip.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left
  return `${groups
    .slice(0, 3)
    .map((g) => g.replace(/^0+(?=.)/, '').toLowerCase())
    .join(':')}::`
}
