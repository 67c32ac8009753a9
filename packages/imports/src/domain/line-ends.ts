const LF = 0x0a
const CR = 0x0d

/**
 * Line ends in `bytes`: LF, CRLF and a lone CR (old Mac exports) each end one line. `afterCR`:
 * the byte before `bytes` was a CR (a CRLF cut between two chunks is one line end).
 */
export function countLineEnds(bytes: Uint8Array, afterCR = false): number {
  let n = 0
  for (let i = bytes.indexOf(CR); i !== -1; i = bytes.indexOf(CR, i + 1)) n++
  for (let i = bytes.indexOf(LF); i !== -1; i = bytes.indexOf(LF, i + 1)) {
    if (i === 0 ? !afterCR : bytes[i - 1] !== CR) n++
  }
  return n
}

/** Whether the byte before the next chunk is a CR: the last of `bytes`, else as before them. */
export const endsWithCR = (bytes: Uint8Array, before = false): boolean =>
  bytes.length === 0 ? before : bytes[bytes.length - 1] === CR
