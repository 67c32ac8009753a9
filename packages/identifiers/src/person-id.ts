import { hash } from 'node:crypto'

/**
 * A person's id is derived from its anchor identifier (the highest-priority one):
 * sha256(type \0 value), 32 hex characters. Replaying the same events yields the same ids, and
 * the id depends only on which identifiers the person holds, not on the order they arrived in.
 */
export function personIdFor(type: string, value: string): string {
  return hash('sha256', `${type}\0${value}`, 'hex').slice(0, 32)
}
