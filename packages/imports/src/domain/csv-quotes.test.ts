import { describe, expect, it } from 'vitest'
import { createCsvQuoteScan } from './csv-quotes.js'

const scanned = (text: string, chunk = text.length) => {
  const scan = createCsvQuoteScan(','.charCodeAt(0))
  const bytes = Buffer.from(text)
  for (let i = 0; i < bytes.length; i += chunk) scan.push(bytes.subarray(i, i + chunk))
  return { open: scan.end(), malformed: scan.malformed() }
}
const openLine = (text: string, chunk = text.length): number | undefined => scanned(text, chunk).open
/** The malformed records as [their text, line, header?]. */
const malformed = (text: string, chunk = text.length) =>
  scanned(text, chunk).malformed.map((r) => [
    Buffer.from(text).subarray(r.start, r.end).toString(),
    r.line,
    r.header,
  ])

describe('createCsvQuoteScan', () => {
  it.each([
    'a,b\n1,2\n',
    'a,b\n"x, y","say ""hi"""\n',
    'a,b\n"multi\nline",2\n',
    'a,b\nTV 55",2\n',
    'a,b\n  "x",2\r\n',
    'a,b\n\t"x" \t,"y"\t\r\n',
  ])('finds every quote closed, and no malformed record, in %j', (text) => {
    expect(openLine(text)).toBeUndefined()
    expect(malformed(text)).toEqual([])
  })

  it('names the line of a quote that is never closed, across chunks', () => {
    const text = 'a,b\n1,2\n3,"never\n4,5\n6,7\n'
    expect(openLine(text)).toBe(3)
    expect(openLine(text, 1)).toBe(3)
    expect(openLine('a,b\n1,"say ""hi"" and never closed\n2,3\n')).toBe(2)
  })

  it('finds a closing quote followed by text, as the record up to its line end, in any chunks', () => {
    const text = 'a,b\n1,2\nR2,"s1"x,"multi\nline",2\n3,"a"""b"\n4," y" z\r\n5,6'
    const expected = [
      ['R2,"s1"x,"multi\nline",2', 3, false],
      ['3,"a"""b"', 5, false],
      ['4," y" z', 6, false],
    ]
    expect(malformed(text)).toEqual(expected)
    expect(malformed(text, 1)).toEqual(expected)
    expect(malformed('"a"b,c\n1,2')).toEqual([['"a"b,c', 1, true]])
    expect(malformed('\n\na,b\n1,"2"x')).toEqual([['1,"2"x', 4, false]])
  })

  it('counts a lone CR (old Mac exports) as a line end, and CRLF as one, across chunks', () => {
    const cr = 'a,b\r1,2\r3,"never\r4,5\r'
    expect(openLine(cr)).toBe(3)
    expect(openLine(cr, 1)).toBe(3)
    expect(openLine('a,b\r\n1,2\r\n3,"never\r\n', 1)).toBe(3)
    expect(malformed('a,b\r1,2\r\r3,"4"x\r5,6\r')).toEqual([['3,"4"x', 4, false]])
  })
})
