/**
 * Ground truth for the analyst models, computed from what the generator decided (its sessions,
 * orders and carts) and from the events it produced, independently of any SQL. Definitions
 * follow docs/analysts.md; each file answers one model and says which. This file holds what they
 * share.
 */

export const DAY = 86_400_000
export const round2 = (x: number) => Math.round(x * 100) / 100
export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)
/** People are identified by their ground-truth key unless the caller maps them (e.g. to person_id). */
export type PersonIdOf = (personKey: string) => string
export const identity: PersonIdOf = (k) => k
