import { describe, expect, it } from 'vitest'
import { hashPiiIdentifier, normaliseEmail, normalisePhone, sha256Hex } from './pii.js'

/** The same person typed, pasted or linked differently must normalise (so hash) to one form. */
describe('email normalisation: forms of one address', () => {
  const NFC = 'jos\u00e9@example.com'
  it.each([
    ['precomposed é (NFC)', 'jos\u00e9@example.com', NFC],
    ['e + combining acute (NFD, macOS input)', 'jose\u0301@example.com', NFC],
    ['NFD and upper case', 'JOSE\u0301@Example.COM', NFC],
    ['NFD in the domain', 'jane@bu\u0308cher.de', 'jane@b\u00fccher.de'],
    ['zero-width space inside', 'jane\u200b.doe@example.com', 'jane.doe@example.com'],
    ['byte-order mark inside', 'jane.doe@\ufeffexample.com', 'jane.doe@example.com'],
    ['word joiner and soft hyphen', 'jane\u2060.do\u00ade@example.com', 'jane.doe@example.com'],
    ['left-to-right mark around it', '\u200ejane.doe@example.com\u200e', 'jane.doe@example.com'],
    ['zero-width space before trimmed spaces', '\u200b jane.doe@example.com ', 'jane.doe@example.com'],
    ['ZWNJ kept (meaningful in some scripts)', 'a\u200cb@example.com', 'a\u200cb@example.com'],
    ['compatibility forms kept as typed (NFC, not NFKC)', '\ufb01le@example.com', '\ufb01le@example.com'],
    ['only invisible characters in the local part', '\u200b@example.com', undefined],
  ])('%s', (_name, raw, expected) => {
    expect(normaliseEmail(raw)).toBe(expected)
  })

  it('hashes the NFD and NFC forms of an address alike', () => {
    expect(hashPiiIdentifier('email', 'jose\u0301@example.com')).toBe(sha256Hex(NFC))
    expect(hashPiiIdentifier('email', NFC)).toBe(sha256Hex(NFC))
  })

  it('takes a digest pasted with a zero-width space as the digest', () => {
    const digest = sha256Hex('a@b.io')
    expect(hashPiiIdentifier('email', `\u200b${digest}`)).toBe(digest)
  })
})

describe('phone normalisation: forms of one number', () => {
  const E164 = '+33612340041'
  it.each([
    ['international, spaced', '+33 6 12 34 00 41', undefined, E164],
    ['trunk "(0)" after the calling code', '+33 (0)6 12 34 00 41', undefined, E164],
    ['"(0)" without spaces', '+33(0)612340041', undefined, E164],
    ['"(0)" after a 00 prefix', '0033 (0)6 12 34 00 41', undefined, E164],
    ['"(0)" after a calling code of 2 digits, UK', '+44 (0)20 7946 0958', undefined, '+442079460958'],
    ['"(0)" with a spaced inside', '+49 ( 0 ) 30 1234567', undefined, '+49301234567'],
    [
      'fullwidth plus and digits (IME)',
      '\uff0b\uff13\uff13\u3000\uff16\uff11\uff12\uff13\uff14\uff10\uff10\uff14\uff11',
      undefined,
      E164,
    ],
    [
      'fullwidth parentheses and hyphens',
      '\uff0b33\uff080\uff096\uff0d12\uff0d34\uff0d00\uff0d41',
      undefined,
      E164,
    ],
    ['tel: link', 'tel:+33612340041', undefined, E164],
    ['TEL: with RFC 3966 visual separators', 'TEL:+33-6-12-34-00-41', undefined, E164],
    ['tel: with dots and parentheses', 'tel:+33.(6).12.34.00.41', undefined, E164],
    ['zero-width space and BOM inside', '+33\u200b6 12\ufeff34 00 41', undefined, E164],
    ['right-to-left marks around it', '\u200f+33 6 12 34 00 41\u200f', undefined, E164],
    ['no-break and narrow no-break spaces', '+33\u00a06\u202f12 34 00 41', undefined, E164],
    ['national with calling code (unchanged)', '06 12 34 00 41', '33', E164],
    ['national without calling code (unchanged)', '06 12 34 00 41', undefined, '0612340041'],
    ['"(0)" not after the calling code is kept', '+33 6 (0)12 34 00 41', undefined, '+336012340041'],
    [
      "an RFC 3966 extension is refused (not one person's number)",
      'tel:+33612340041;ext=12',
      undefined,
      undefined,
    ],
    ['other tel: parameters are refused', 'tel:612340041;phone-context=+33', undefined, undefined],
    ['tel: alone', 'tel:', undefined, undefined],
    ['letters', '+33 6 12 34 OO 41', undefined, undefined],
  ])('%s', (_name, raw, cc, expected) => {
    expect(normalisePhone(raw, cc)).toBe(expected)
  })

  it('hashes the "(0)", fullwidth and tel: forms like the E.164 one', () => {
    const hash = sha256Hex(E164)
    for (const raw of [
      '+33 (0)6 12 34 00 41',
      '\uff0b\uff13\uff13\uff16\uff11\uff12\uff13\uff14\uff10\uff10\uff14\uff11',
      'tel:+33612340041',
    ])
      expect(hashPiiIdentifier('phone', raw), raw).toBe(hash)
  })
})
