/** The header the admin upload (`POST /admin/imports`) reads a mapping from. */
export const MAPPING_HEADER = 'x-sillage-mapping'

/** Every character past ASCII, as a JSON escape (`é` → `\u00e9`; an emoji as its two halves). */
const NON_ASCII = /[\u007f-\uffff]/g

/**
 * A mapping as the header's value: its JSON with every non-ASCII character escaped, so that a
 * column named `Numéro de carte` or `顧客ID` travels as ASCII (HTTP header values are bytes, and
 * fetch refuses a character past U+00FF). It is still plain JSON: a server that reads the header
 * with JSON.parse, this one or an older one, reads the same mapping.
 */
export function encodeMappingHeader(mapping: unknown): string {
  return JSON.stringify(mapping).replace(
    NON_ASCII,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The mapping of a header value (throws a SyntaxError when it is not JSON). Node reads header
 * bytes as Latin-1: raw UTF-8 (as `curl -H` sends `Numéro`) is read back as UTF-8; bytes that are
 * not UTF-8 stay Latin-1 (as an older CLI sent `é`, one byte). The escaped form is ASCII either way.
 */
export function decodeMappingHeader(value: string): unknown {
  let text = value
  if (/[\u0080-\u00ff]/.test(value) && !/[\u0100-\uffff]/.test(value)) {
    try {
      text = utf8.decode(Buffer.from(value, 'latin1'))
    } catch {
      // Not UTF-8: Latin-1 as it was read.
    }
  }
  return JSON.parse(text)
}
