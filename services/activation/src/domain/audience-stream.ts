/**
 * Which audiences the stream can evaluate, and which events concern them. Pure.
 *
 * A rule is stream-evaluable when every attribute it names is a person's own fact that an event
 * changes: consent (Consent Updated), orders, revenue and last_order_days (Order Completed),
 * last_seen_days and first_seen_days (any event). Scored attributes (rfm_segment, r/f/m_score:
 * quintiles over every customer; propensity_30d: a fitted model) move when *other* people buy,
 * and SQL audiences are opaque: those stay on the schedule. Identify and alias always concern a
 * stream audience: a merge moves orders and consent from one person to another.
 */
import { attributesOf } from './audience-rule.js'
import { ATTRIBUTES } from './audience-sql.js'
import type { AudienceDef } from './activation-file.js'
import type { StreamEvent } from './trigger-match.js'

/** Whether the audience's membership can be re-evaluated for one person when their event arrives. */
export function isStreamEvaluable(a: Pick<AudienceDef, 'ast' | 'sql'>): boolean {
  if (a.sql !== undefined || !a.ast) return false
  return [...attributesOf(a.ast)].every((name) => ATTRIBUTES[name]?.stream === true)
}

export interface StreamEventLike extends StreamEvent {
  sourceId?: string
  receivedAt?: string
}

/**
 * Whether an event can change a stream audience's membership for its person: Consent Updated
 * (every audience requires marketing consent), identify and alias (merges), Order Completed when
 * a rule names orders, revenue or last_order_days, any event when it names last/first_seen_days.
 * Sillage's own events (Audience Entered/Exited, source `sillage`) never do.
 */
export function concernsAudiences(e: StreamEventLike, audiences: readonly AudienceDef[]): boolean {
  if (e.sourceId === 'sillage' || audiences.length === 0) return false
  if (e.type === 'identify' || e.type === 'alias') return true
  if (e.type === 'track' && e.event === 'Consent Updated') return true
  const names = new Set(audiences.flatMap((a) => (a.ast ? [...attributesOf(a.ast)] : [])))
  if (names.has('last_seen_days') || names.has('first_seen_days')) return true
  const orderAttr = names.has('orders') || names.has('revenue') || names.has('last_order_days')
  return orderAttr && e.type === 'track' && e.event === 'Order Completed'
}
