import { describe, expect, it } from 'vitest'
import { createProgress } from './progress.js'

const stream = (isTTY: boolean) => {
  const writes: string[] = []
  return { writes, out: { isTTY, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream }
}

describe('createProgress', () => {
  it('draws a bar on a terminal, redrawing only when the percentage moves, and ends the line', () => {
    const { writes, out } = stream(true)
    const p = createProgress(2000, 'seeding', out, 10)
    p.update(10) // 0%: no redraw
    p.update(1000)
    p.done()
    expect(writes).toEqual([
      '\rseeding [----------]   0%  0/2,000',
      '\rseeding [#####-----]  50%  1,000/2,000',
      '\rseeding [##########] 100%  2,000/2,000',
      '\n',
    ])
  })

  it('writes nothing on a pipe', () => {
    const { writes, out } = stream(false)
    const p = createProgress(10, 'seeding', out)
    p.update(5)
    p.done()
    expect(writes).toEqual([])
  })
})
