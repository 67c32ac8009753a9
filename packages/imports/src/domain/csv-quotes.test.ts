import { describe, expect, it } from 'vitest'
import { createCsvQuoteScan } from './csv-quotes.js'

const openLine = (text: string, chunk = text.length): number | undefined => {
  const scan = createCsvQuoteScan(','.charCodeAt(0))
  const bytes = Buffer.from(text)
  for (let i = 0; i < bytes.length; i += chunk) scan.push(bytes.subarray(i, i + chunk))
  return scan.end()
}

describe('createCsvQuoteScan', () => {
  it.each([
    'a,b\n1,2\n',
    'a,b\n"x, y","say ""hi"""\n',
    'a,b\n"multi\nline",2\n',
    'a,b\nTV 55",2\n',
    'a,b\n  "x",2\r\n',
  ])('finds every quote closed in %j', (text) => {
    expect(openLine(text)).toBeUndefined()
  })

  it('names the line of a quote that is never closed, across chunks', () => {
    const text = 'a,b\n1,2\n3,"never\n4,5\n6,7\n'
    expect(openLine(text)).toBe(3)
    expect(openLine(text, 1)).toBe(3)
    expect(openLine('a,b\n1,"say ""hi"" and never closed\n2,3\n')).toBe(2)
  })
})
