import { describe, expect, it } from 'vitest'
import { createTsvEscapeScan } from './tsv-escapes.js'

const scanned = (text: string, chunk = text.length) => {
  const scan = createTsvEscapeScan()
  const bytes = Buffer.from(text)
  for (let i = 0; i < bytes.length; i += chunk) scan.push(bytes.subarray(i, i + chunk))
  const { oldMac } = scan.end()
  return {
    oldMac,
    malformed: scan.malformed().map((r) => ({
      text: bytes.subarray(r.start, r.end).toString(),
      at: [r.line, r.column],
      escape: r.escape,
      problem: r.problem,
      header: r.header,
    })),
  }
}

describe('createTsvEscapeScan', () => {
  it.each([
    'a\tb\n1\t2\n',
    'a\tb\r\n\\t\\n\\r\\\\\\b\\f\\v\\0\r\n',
    'a\tb\nl\\\'x\t\\"q\\"\n',
    'a\tb\n\\N\t\\N\n\\N\r\n',
    'a\tb\nC:\\Users\\d\t100\\%\n',
    'a\tb\n\\\\\n',
  ])('finds no malformed escape in %j', (text) => {
    for (const chunk of [1, 2, 1000]) expect(scanned(text, chunk).malformed).toEqual([])
  })

  it.each([
    ['h\n1\t\\x41\n', 'hex', '\\x', [2, 2]],
    ['h\n1\ta\\Nb\n', 'null-inside', '\\N', [2, 2]],
    ['h\n1\t\\Nb\n', 'null-inside', '\\N', [2, 2]],
    ['h\n\\a\n', 'control', '\\a', [2, 1]],
    ['h\n1\t\\e\n', 'control', '\\e', [2, 2]],
    ['h\na\\\tb\tc\n', 'before-tab', '\\', [2, 1]],
    ['h\n1\t2\t3\\\n', 'line-end', '\\', [2, 3]],
  ] as const)('finds %j: %s', (text, problem, escape, at) => {
    for (const chunk of [1, 3, 1000]) {
      const { malformed } = scanned(text, chunk)
      expect(malformed).toEqual([
        { text: text.slice(2).replace(/\n$/, ''), at, escape, problem, header: false },
      ])
    }
  })

  it('ends a record before its CRLF, and at the end of the file after a last backslash', () => {
    expect(scanned('h\r\nR1\\x\r\nR2\r\nR3\\').malformed.map((r) => [r.text, r.at])).toEqual([
      ['R1\\x', [2, 1]],
      ['R3\\', [4, 1]],
    ])
  })

  it('marks the header, after blank lines, and one refusal per record', () => {
    const { malformed } = scanned('\n\r\nh\\x\\a\tb\nr\\e\\\n')
    expect(malformed.map((r) => [r.at, r.escape, r.header])).toEqual([
      [[3, 1], '\\x', true],
      [[4, 1], '\\e', false],
    ])
  })

  it('tells lines that end with a lone CR (old Mac) only when none ends with LF', () => {
    expect(scanned('h\t1\r1\t2\r').oldMac).toBe(true)
    expect(scanned('h\t1\r\n1\t2\r\n').oldMac).toBe(false)
    expect(scanned('h\t1\n1\ta\rb\n').oldMac).toBe(false)
  })
})
