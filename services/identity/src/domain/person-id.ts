import { createHash } from 'node:crypto'

export type IdentifierType = 'user_id' | 'anonymous_id'

/**
 * A person's id is derived from its anchor identifier (the highest-priority one), so replaying
 * the same events yields the same ids.
 */
export function personIdFor(type: IdentifierType, value: string): string {
  return createHash('sha256').update(type).update('\0').update(value).digest('hex').slice(0, 32)
}
