import { describe, expect, it } from 'vitest'
import { countLineEnds, endsWithCR } from './line-ends.js'

describe('countLineEnds', () => {
  it('counts LF, CRLF and a lone CR as one line end each, a CRLF cut between chunks once', () => {
    expect(countLineEnds(Buffer.from('a\nb\r\nc\rd\r\r\n'))).toBe(5)
    expect(countLineEnds(Buffer.from('\nx'), true)).toBe(0)
    expect(countLineEnds(Buffer.from('\nx'), false)).toBe(1)
    expect(endsWithCR(Buffer.from('a\r'))).toBe(true)
    expect(endsWithCR(Buffer.alloc(0), true)).toBe(true)
  })
})
