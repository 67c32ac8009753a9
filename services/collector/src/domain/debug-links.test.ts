import { describe, expect, it } from 'vitest'
import { createRecentLinks } from './debug-links.js'

describe('debugger links', () => {
  it('keeps the latest value per messageId, and at least capacity/2 of the latest links', () => {
    const links = createRecentLinks<string>(4)
    links.set('m1', 'p1')
    links.set('m1', 'p2')
    expect(links.get('m1')).toBe('p2')
    links.set('m2', 'p2')
    links.set('m3', 'p3') // the generation of m1, m2 becomes the previous one
    expect([links.get('m1'), links.get('m2'), links.get('m3')]).toEqual(['p2', 'p2', 'p3'])
    links.set('m4', 'p4')
    links.set('m5', 'p5') // m1, m2 are dropped
    expect([links.get('m1'), links.get('m2')]).toEqual([undefined, undefined])
    expect([links.get('m3'), links.get('m4'), links.get('m5')]).toEqual(['p3', 'p4', 'p5'])
    expect(links.get(undefined)).toBeUndefined()
  })
})
