import { describe, expect, it } from 'vitest'
import { toArrowColumns, type ArrowColumn } from './arrow-columns.js'

/** The column's values read back from its Arrow buffers (the engine's view of them). */
function decode(col: ArrowColumn): unknown[] {
  const [valid, a, b] = col.buffers
  const isValid = (i: number) => !valid || (valid[i >> 3]! & (1 << (i & 7))) !== 0
  const out: unknown[] = []
  for (let i = 0; i < col.length; i++) {
    if (!isValid(i)) out.push(null)
    else if (col.format === 'g') out.push(new Float64Array(a!.buffer, a!.byteOffset, col.length)[i])
    else if (col.format === 'b') out.push((a![i >> 3]! & (1 << (i & 7))) !== 0)
    else {
      const offsets = new Int32Array(a!.buffer, a!.byteOffset, col.length + 1)
      out.push(b!.subarray(offsets[i], offsets[i + 1]).toString('utf8'))
    }
  }
  return out
}

describe('toArrowColumns', () => {
  it('gives each column one Arrow type, with nulls in a validity bitmap and a null count', () => {
    const rows = [
      { s: 'a', n: 1.5, b: true, o: { k: [1, 'x'] }, z: null },
      { s: null, n: null, b: false, o: 'text', z: null },
      { s: 'é😀', n: -0, b: null, o: [1, { a: null }], z: undefined },
    ]
    const cols = toArrowColumns(rows, ['s', 'n', 'b', 'o', 'z'])!
    expect(cols.map((c) => [c.name, c.format, c.length, c.nullCount])).toEqual([
      ['s', 'u', 3, 1],
      ['n', 'g', 3, 1],
      ['b', 'b', 3, 1],
      ['o', 'u', 3, 0],
      ['z', 'u', 3, 3],
    ])
    expect(cols.map(decode)).toEqual([
      ['a', null, 'é😀'],
      [1.5, null, -0],
      [true, false, null],
      ['{"k":[1,"x"]}', 'text', '[1,{"a":null}]'],
      [null, null, null],
    ])
  })

  it('has no validity bitmap for a column without nulls', () => {
    const [col] = toArrowColumns([{ s: 'x' }, { s: '' }], ['s'])!
    expect(col!.buffers[0]).toBeNull()
    expect(decode(col!)).toEqual(['x', ''])
  })

  it('writes NaN and infinities as nulls, as JSON.stringify does', () => {
    const [col] = toArrowColumns([{ n: NaN }, { n: Infinity }, { n: 2 }], ['n'])!
    expect(decode(col!)).toEqual([null, null, 2])
    expect(col!.nullCount).toBe(2)
  })

  it('answers undefined for a column of mixed kinds or a value with no Arrow type here', () => {
    expect(toArrowColumns([{ v: 1 }, { v: '1' }], ['v'])).toBeUndefined()
    expect(toArrowColumns([{ v: true }, { v: 1 }], ['v'])).toBeUndefined()
    expect(toArrowColumns([{ v: 1n }], ['v'])).toBeUndefined()
  })

  it('keeps every byte of long and multi-byte strings (the buffer grows past its first guess)', () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({ s: `${'ж'.repeat(i * 40)}|${'😀'.repeat(i)}|${i}` }))
    const [col] = toArrowColumns(rows, ['s'])!
    expect(decode(col!)).toEqual(rows.map((r) => r.s))
  })

  it('writes a lone surrogate as U+FFFD (UTF-8 has no form for it), even when the next value starts with its pair', () => {
    const [col] = toArrowColumns([{ s: 'x\ud800y' }, { s: 'a\ud83d' }, { s: '\ude00b' }, { s: 'é' }], ['s'])!
    expect(decode(col!)).toEqual(['x\ufffdy', 'a\ufffd', '\ufffdb', 'é'])
  })
})
