import { describe, expect, it } from 'vitest'
import { markSnapshot, planBatch, snapshotPersons, type PendingItem } from './delivery-plan.js'

const item = (id: string, type: PendingItem['type'], personId: string, extra: Partial<PendingItem> = {}) => ({
  id,
  type,
  source: 'a',
  personId,
  userId: '',
  emailSha256: '',
  phoneSha256: '',
  at: '2026-01-01T00:00:00.000Z',
  ...extra,
})

describe('planBatch', () => {
  it('reduces the history before the connection to the current members', () => {
    const s = { snapshot: true }
    const pending = [
      item('e1', 'audience.entered', 'p1', { ...s, superseded: true }),
      item('x1', 'audience.exited', 'p1', { ...s, enteredId: 'e1' }),
      item('e2', 'audience.entered', 'p1', s),
      item('e3', 'audience.entered', 'p3', s),
      item('e5', 'audience.entered', 'p5', s),
      item('t1', 'trigger.fired', ''),
    ]
    const plan = planBatch(pending, new Set(), new Set(['p1', 'p3']))
    expect(plan.send.map((i) => i.id)).toEqual(['e2', 'e3', 't1'])
    expect(plan.skip).toEqual(['e1', 'x1'])
    expect(plan.hold).toEqual(['e5'])
    expect(plan.send[0]).not.toHaveProperty('snapshot')
    expect(snapshotPersons(pending)).toEqual(['p1', 'p3', 'p5'])
  })

  it('sends the changes after the connection as they come, exits only after their entry', () => {
    const pending = [
      item('e1', 'audience.entered', 'p1', { superseded: true }),
      item('x1', 'audience.exited', 'p1', { enteredId: 'e1' }),
      item('x4', 'audience.exited', 'p4', { enteredId: 'old4' }),
      item('x5', 'audience.exited', 'p5', { enteredId: 'old5' }),
      item('x6', 'audience.exited', 'p6'),
    ]
    const plan = planBatch(pending, new Set(['old4']), new Set())
    expect(plan.send.map((i) => i.id)).toEqual(['e1', 'x1', 'x4'])
    expect(plan.send[1]).not.toHaveProperty('enteredId')
    expect(plan.skip).toEqual(['x5', 'x6'])
    expect(snapshotPersons(pending)).toEqual([])
  })

  it('assumes a superseded snapshot entry in doubt was received: its exit leaves', () => {
    const s = { snapshot: true }
    const pending = [
      // Was leaving when the process died, and the person left since.
      item('e1', 'audience.entered', 'p1', { ...s, superseded: true, inDoubt: true }),
      item('x1', 'audience.exited', 'p1', { enteredId: 'e1' }),
      // Never left: skipped with its exit, as before.
      item('e2', 'audience.entered', 'p2', { ...s, superseded: true }),
      item('x2', 'audience.exited', 'p2', { enteredId: 'e2' }),
      // In doubt, still a member: sent again (same id), or held without consent now.
      item('e3', 'audience.entered', 'p3', { ...s, inDoubt: true }),
      item('e4', 'audience.entered', 'p4', { ...s, inDoubt: true }),
    ]
    const plan = planBatch(pending, new Set(), new Set(['p3']))
    expect(plan.assume.map((i) => i.id)).toEqual(['e1'])
    expect(plan.assume[0]).not.toHaveProperty('inDoubt')
    expect(plan.send.map((i) => i.id)).toEqual(['x1', 'e3'])
    expect(plan.skip).toEqual(['e2', 'x2'])
    expect(plan.hold).toEqual(['e4'])
  })
})

describe('markSnapshot', () => {
  it('marks the audience changes recorded before the connection, or all of a new connection', () => {
    const pending = [
      item('old', 'audience.entered', 'p1', { at: '2026-01-01T00:00:00.000Z' }),
      item('new', 'audience.exited', 'p1', { at: '2026-01-02T00:00:00.000Z' }),
      item('other', 'audience.entered', 'p2', { source: 'b' }),
      item('t1', 'trigger.fired', '', { source: 'a' }),
    ]
    const marked = markSnapshot(pending, new Map([['a', Date.parse('2026-01-01T12:00:00.000Z')]]))
    expect(marked.map((p) => [p.id, p.snapshot ?? false])).toEqual([
      ['old', true],
      ['new', false],
      ['other', true],
      ['t1', false],
    ])
  })
})
