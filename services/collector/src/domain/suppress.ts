import type { SillageEvent } from '@sillage/schemas'
import type { SuppressionList } from '@sillage/identifiers'

/**
 * The collector's check against the erased identifiers (docs/privacy.md): a suppressed event is
 * refused with SIL_EVENT_SUPPRESSED and its dead letter keeps no content. Free while the list is
 * empty (SuppressionList.match returns at once).
 */
export function suppressedCheck(
  list: SuppressionList | undefined,
): ((event: SillageEvent) => boolean) | undefined {
  if (!list) return undefined
  return (event) => list.match(event) !== undefined
}
