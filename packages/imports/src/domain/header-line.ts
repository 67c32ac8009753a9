/** The delimiters a CSV export uses: `,`; `;` (French and German Excel); a tab; `|` (tills). */
export type Delimiter = ',' | ';' | '\t' | '|'
const CANDIDATES: readonly Delimiter[] = [',', ';', '\t', '|']

/**
 * How many times each delimiter separates the header line's fields (outside double quotes).
 * The header's line end, a lone CR included (old Mac exports), ends the line.
 */
function counts(line: string): Map<Delimiter, number> {
  const n = new Map<Delimiter, number>(CANDIDATES.map((d) => [d, 0]))
  let quoted = false
  for (const ch of line) {
    if (ch === '"') quoted = !quoted
    else if (!quoted && (ch === '\r' || ch === '\n')) break
    else if (!quoted && n.has(ch as Delimiter)) n.set(ch as Delimiter, (n.get(ch as Delimiter) ?? 0) + 1)
  }
  return n
}

/**
 * The delimiter of a CSV file, told from its header line: the candidate that separates the most
 * fields, a comma on a tie (a one-column header is comma-separated). A `;` header (French Excel,
 * whose amounts read `12,50`) is read with `;`, not as one column named `a;b;c`.
 */
export function sniffDelimiter(headerLine: string): Delimiter {
  let best: Delimiter = ','
  let most = 0
  for (const [d, c] of counts(headerLine)) {
    if (c > most) {
      best = d
      most = c
    }
  }
  return best
}

/** Fields of the header line with that delimiter: an upper bound, cheap on a header of any size. */
export const headerFields = (headerLine: string, d: Delimiter): number => (counts(headerLine).get(d) ?? 0) + 1
