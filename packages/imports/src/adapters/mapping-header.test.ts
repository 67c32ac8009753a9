import { describe, expect, it } from 'vitest'
import { decodeMappingHeader, encodeMappingHeader } from './mapping-header.js'

const mapping = { columns: { loyalty_card: 'Numéro de carte', customer_id: '顧客ID', email: 'e-mail 📧' } }

describe('the mapping header', () => {
  it('is ASCII-only JSON that JSON.parse reads back as the mapping (an older server too)', () => {
    const header = encodeMappingHeader(mapping)
    expect(header).toMatch(/^[\x20-\x7e]*$/)
    expect(JSON.parse(header)).toEqual(mapping)
    expect(decodeMappingHeader(header)).toEqual(mapping)
  })

  it('reads raw UTF-8 bytes (as Node hands them over: Latin-1) and Latin-1 that is not UTF-8', () => {
    const wire = (text: string, encoding: BufferEncoding) => Buffer.from(text, encoding).toString('latin1')
    expect(decodeMappingHeader(wire(JSON.stringify(mapping), 'utf8'))).toEqual(mapping)
    const old = { columns: { loyalty_card: 'Numéro de carte' } }
    expect(decodeMappingHeader(wire(JSON.stringify(old), 'latin1'))).toEqual(old)
  })

  it('throws a SyntaxError on a header that is not JSON', () => {
    expect(() => decodeMappingHeader('{columns')).toThrow(SyntaxError)
  })
})
