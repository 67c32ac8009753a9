import { describe, expect, it } from 'vitest'
import { sourcesSchema } from '@sillage/schemas'
import { createSourceIndex } from './auth.js'

describe('rotated write keys', () => {
  const sources = sourcesSchema.parse([
    {
      id: 'web',
      writeKey: 'wk_new_0123456789',
      type: 'browser',
      previousWriteKeys: [
        { writeKey: 'wk_old_0123456789', expiresAt: '2026-03-01T00:00:00.000Z' },
        { writeKey: 'wk_older_0123456789', expiresAt: '2026-01-01T00:00:00.000Z' },
      ],
    },
  ])

  it('finds the source by a previous key until that key expires, by the current key always', () => {
    let now = Date.parse('2026-02-01T00:00:00Z')
    const find = createSourceIndex(sources, () => now)
    expect(find('wk_new_0123456789')?.id).toBe('web')
    expect(find('wk_old_0123456789')?.id).toBe('web')
    expect(find('wk_older_0123456789')).toBeUndefined()
    now = Date.parse('2026-03-01T00:00:00Z')
    expect(find('wk_old_0123456789')).toBeUndefined()
    expect(find('wk_new_0123456789')?.id).toBe('web')
  })

  it('refuses a key used twice, current or previous', () => {
    const parsed = sourcesSchema.safeParse([
      { id: 'a', writeKey: 'wk_shared_0123456789', type: 'server' },
      {
        id: 'b',
        writeKey: 'wk_b_0123456789',
        type: 'server',
        previousWriteKeys: [{ writeKey: 'wk_shared_0123456789', expiresAt: '2026-03-01T00:00:00Z' }],
      },
    ])
    expect(parsed.success).toBe(false)
  })
})
