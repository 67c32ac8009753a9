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
  const e = event as Record<string, unknown>
  for (const key of ['messageId', 'anonymousId', 'userId', 'groupId', 'previousId', 'event', 'name']) {
    const v = e[key]
    if (typeof v === 'string') e[key] = clean(v)
  }
  if (e['messageId'] === '') delete e['messageId'] // the collector assigns one
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
