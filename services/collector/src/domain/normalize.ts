import type { SillageEvent } from '@sillage/schemas'

/**
 * Control characters (C0, U+0000–U+001F, and DEL) are removed from event names and ids: a NUL or
 * an ESC there breaks terminals, CSV exports and identifier joins, and no client means one.
 * A regex test per field keeps the common case (nothing to strip) at one scan of a short string.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/
// eslint-disable-next-line no-control-regex -- likewise
const CONTROL_ALL = /[\u0000-\u001f\u007f]/g

const clean = (s: string): string => (CONTROL.test(s) ? s.replace(CONTROL_ALL, '') : s)

/**
 * Strips control characters in place from messageId, anonymousId, userId, groupId, previousId,
 * context.externalIds[].id and the event's name. Returns the field left empty that may not be
 * (the track's event, alias's previousId and userId, group's groupId), if any.
 */
export function stripControls(event: SillageEvent): string | undefined {
  // Static property reads: this runs for every event.
  const e = event as {
    messageId?: unknown
    anonymousId?: unknown
    userId?: unknown
    groupId?: unknown
    previousId?: unknown
    event?: unknown
    name?: unknown
  }
  if (typeof e.messageId === 'string' && CONTROL.test(e.messageId)) {
    e.messageId = clean(e.messageId)
    if (e.messageId === '') delete e.messageId // the collector assigns one
  }
  if (typeof e.anonymousId === 'string') e.anonymousId = clean(e.anonymousId)
  if (typeof e.userId === 'string') e.userId = clean(e.userId)
  if (typeof e.event === 'string') e.event = clean(e.event)
  if (typeof e.name === 'string') e.name = clean(e.name)
  if (typeof e.groupId === 'string') e.groupId = clean(e.groupId)
  if (typeof e.previousId === 'string') e.previousId = clean(e.previousId)
  const externalIds = event.context?.externalIds
  if (externalIds) for (const x of externalIds) x.id = clean(x.id)
  if (event.type === 'track' && event.event === '') return 'event'
  if (event.type === 'alias') {
    if (event.previousId === '') return 'previousId'
    if (event.userId === '') return 'userId'
  }
  if (event.type === 'group' && event.groupId === '') return 'groupId'
  return undefined
}
