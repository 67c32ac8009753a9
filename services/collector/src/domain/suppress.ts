import type { ScrubRules, SillageEvent, Source } from '@sillage/schemas'
import type { SuppressionList } from '@sillage/identifiers'
import { createPiiPathVisitor } from './scrub-paths.js'

export type SuppressedCheck = (event: SillageEvent) => boolean

/**
 * The collector's check against the erased identifiers (docs/privacy.md): a suppressed event is
 * refused with SIL_EVENT_SUPPRESSED and its dead letter keeps no content. Free while the list is
 * empty (SuppressionList.match returns at once).
 *
 * Besides the identifiers every event is checked for (eventIdentifiers), it looks at the source's
 * own `hash` and `keep` paths whose last key names an email or phone (scrub-paths.ts, as the
 * scrubber reads them): a hashed path is stored as the person's identifier hash, and a kept one as
 * sent, so either way the event carries the erased person's identifier.
 */
export function suppressedCheck(
  list: SuppressionList | undefined,
  rules?: ScrubRules,
): SuppressedCheck | undefined {
  return list && checkFor(list, rules)
}

function checkFor(list: SuppressionList, rules: ScrubRules | undefined): SuppressedCheck {
  const extra = rules ? createPiiPathVisitor([...rules.hash, ...rules.keep]) : undefined
  if (!extra) return (event) => list.match(event) !== undefined
  return (event) => list.match(event, extra) !== undefined
}

/** One check per source, compiled at first use; undefined without a list. */
export function createSuppressedCheckIndex(
  list: SuppressionList | undefined,
): ((source: Source) => SuppressedCheck) | undefined {
  if (!list) return undefined
  const cache = new WeakMap<Source, SuppressedCheck>()
  return (source) => {
    let check = cache.get(source)
    if (!check) cache.set(source, (check = checkFor(list, source.scrub)))
    return check
  }
}
