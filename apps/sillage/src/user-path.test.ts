import { describe, expect, it } from 'vitest'
import { userPath } from './user-path.js'

describe('userPath', () => {
  it('resolves a relative path where the command was typed (INIT_CWD), not in the repo root', () => {
    expect(userPath('receipts.csv', { INIT_CWD: '/home/ann/exports' })).toBe('/home/ann/exports/receipts.csv')
    expect(userPath('../plan.json', { INIT_CWD: '/home/ann/exports' })).toBe('/home/ann/plan.json')
  })
  it('keeps an absolute path, and falls back to the working directory without INIT_CWD', () => {
    expect(userPath('/data/r.csv', { INIT_CWD: '/home/ann' })).toBe('/data/r.csv')
    expect(userPath('r.csv', {})).toBe(`${process.cwd()}/r.csv`)
  })
})
