import type { Identifier } from './identifiers.js'
import type { AuditEntry, EdgeInput, GraphDelta } from './identity-graph-types.js'

/** The identity_merges row of one link of `edge`. */
export function auditEntry(
  edge: EdgeInput,
  index: number,
  a: Identifier,
  b: Identifier,
  version: number,
  outcome: Pick<AuditEntry, 'decision' | 'reason' | 'personId' | 'otherPersonId' | 'limitType'>,
): AuditEntry {
  return {
    ...outcome,
    mergeId: `${edge.src.topic}/${edge.src.partition}/${edge.src.offset}/${index}`,
    idType: a.type,
    idValue: a.value,
    otherIdType: b.type,
    otherIdValue: b.value,
    messageId: edge.messageId,
    src: edge.src,
    timestamp: edge.timestamp,
    version,
  }
}

export function emptyDelta(): GraphDelta {
  return { identities: [], overrides: [], audit: [], sources: [] }
}
