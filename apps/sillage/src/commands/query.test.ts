import { describe, expect, it } from 'vitest'
import { splitQueryArgs } from './query.js'

describe('splitQueryArgs', () => {
  it('takes --param NAME=VALUE in both spellings and joins the rest as SQL', () => {
    expect(
      splitQueryArgs(['--param', 'person=p=1', 'SELECT', '{person:String}', '--param=n=3', 'AS', 'x']),
    ).toEqual({ sql: 'SELECT {person:String} AS x', params: { person: 'p=1', n: '3' } })
    expect(splitQueryArgs(['SELECT 1'])).toEqual({ sql: 'SELECT 1', params: {} })
  })

  it('refuses a --param without NAME=VALUE', () => {
    for (const args of [['--param', 'novalue'], ['--param', '=x'], ['--param=1a=2']]) {
      expect(() => splitQueryArgs(args), JSON.stringify(args)).toThrow(/--param takes NAME=VALUE/)
    }
    expect(() => splitQueryArgs(['--param'])).toThrow(/query: Option '--param <value>' argument missing/)
  })

  it('refuses any other option (it once became SQL: a comment, run as an empty query)', () => {
    expect(() => splitQueryArgs(['--bogus'])).toThrow('query: unknown option --bogus')
    expect(() => splitQueryArgs(['SELECT 1', '--format', 'CSV'])).toThrow('query: unknown option --format')
    expect(splitQueryArgs(['--', '-1 + 1'])).toEqual({ sql: '-1 + 1', params: {} })
  })

  it('takes SQL that opens with a comment or spans lines as SQL (the cookbook is written so)', () => {
    const recipe = '-- recipe: daily-kpis\nSELECT 1'
    expect(splitQueryArgs([recipe])).toEqual({ sql: recipe, params: {} })
    expect(splitQueryArgs(['--param', 'n=1', '-- n\nSELECT {n:UInt8}'])).toEqual({
      sql: '-- n\nSELECT {n:UInt8}',
      params: { n: '1' },
    })
    expect(splitQueryArgs(['--', recipe])).toEqual({ sql: recipe, params: {} })
  })
})
