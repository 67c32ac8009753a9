import { describe, expect, it } from 'vitest'
import { csvCell, renderFile, type DeliveryItem } from './delivery-payload.js'

const item = (userId: string): DeliveryItem => ({
  id: 'm1',
  type: 'audience.entered',
  source: 'dormant',
  personId: 'p1',
  userId,
  emailSha256: 'e'.repeat(64),
  phoneSha256: '',
  at: '2026-12-01T10:00:00.000Z',
})

describe('CSV export: formula injection (OWASP)', () => {
  it.each([
    ["=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\r=1', '"\'\r=1"'],
    ['=HYPERLINK("http://x.example","y")', '"\'=HYPERLINK(""http://x.example"",""y"")"'],
    ['=1,2', '"\'=1,2"'],
  ])('neutralises the string %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell)
  })

  it('leaves ordinary strings and genuine numbers as they are', () => {
    expect(csvCell('u-42')).toBe('u-42')
    expect(csvCell('a=b')).toBe('a=b')
    expect(csvCell('')).toBe('')
    expect(csvCell(-12.5)).toBe('-12.5')
    expect(csvCell(3)).toBe('3')
  })

  it('writes a user id that is a formula as text in the exported file', () => {
    const [header, row] = renderFile('csv', [item("=cmd|' /C calc'!A0")])
      .trim()
      .split('\n')
    expect(header).toBe('id,type,source,person_id,user_id,email_sha256,phone_sha256,at')
    expect(row!.split(',')[4]).toBe("'=cmd|' /C calc'!A0")
  })

  it('keeps NDJSON values exact (JSON is not read as formulas)', () => {
    expect(JSON.parse(renderFile('ndjson', [item('=1+1')]))).toMatchObject({ user_id: '=1+1' })
  })
})
