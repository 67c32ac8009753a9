import { describe, expect, it } from 'vitest'
import { headerFields, sniffDelimiter } from './header-line.js'

describe('sniffDelimiter', () => {
  it.each([
    ['receipt_id,store_id,total', ','],
    ['receipt_id;store_id;total', ';'],
    ['receipt_id\tstore_id\ttotal', '\t'],
    ['receipt_id|store_id|total', '|'],
    ['"a;b;c",d', ','],
    ['"name, first";"total";"store"', ';'],
    ['receipt_id', ','],
    ['a;b;c\rR1,x;y;z\r', ';'],
  ] as const)('%j is separated by %j', (line, d) => {
    expect(sniffDelimiter(line)).toBe(d)
  })

  it('counts the header fields outside quotes', () => {
    expect(headerFields('a,"b,c",d', ',')).toBe(3)
    expect(headerFields('a;b', ',')).toBe(1)
  })
})
