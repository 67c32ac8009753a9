/** A source as far as its write keys go: the current one and those replaced by a rotation. */
export interface KeyedSource {
  writeKey: string
  /** Keys replaced by `sillage sources rotate`, still accepted until `expiresAt` (ISO-8601). */
  previousWriteKeys?: ReadonlyArray<{ writeKey: string; expiresAt: string }> | undefined
}

/**
 * writeKey -> source, for the collector and the profiles' browser route alike. A rotated-out key
 * (`previousWriteKeys`, see `sillage sources rotate`) keeps finding its source until its
 * `expiresAt` (checked per call). Pure.
 */
export function createSourceIndex<S extends KeyedSource>(
  sources: readonly S[],
  now: () => number = Date.now,
): (writeKey: string) => S | undefined {
  const byKey = new Map(sources.map((s) => [s.writeKey, s]))
  const previous = new Map<string, { source: S; expiresAt: number }>()
  for (const source of sources) {
    for (const p of source.previousWriteKeys ?? []) {
      previous.set(p.writeKey, { source, expiresAt: Date.parse(p.expiresAt) })
    }
  }
  if (previous.size === 0) return (writeKey) => byKey.get(writeKey)
  return (writeKey) => {
    const current = byKey.get(writeKey)
    if (current) return current
    const old = previous.get(writeKey)
    return old && old.expiresAt > now() ? old.source : undefined
  }
}
