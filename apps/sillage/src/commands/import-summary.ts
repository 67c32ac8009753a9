import type { ImportSummary } from '@sillage/imports'

/** The summary line: rows imported, refused and partly refused (a row some of whose events were). */
export function formatSummary(s: ImportSummary): string {
  const seconds = s.elapsedMs / 1000
  const rowsThisRun = s.rows - s.resumedFrom
  const n = (v: number) => v.toLocaleString('en-US')
  const partlyRefused = s.partlyRefused ?? 0 // a summary from a server of before 2026-12-07
  const partly = partlyRefused > 0 ? `, ${n(partlyRefused)} partly refused` : ''
  const see = s.refused + partlyRefused > 0 ? ` (see ${s.rejectedFile})` : ''
  return (
    `${s.kind}: ${n(s.imported)} rows imported (${n(s.events)} events accepted), ` +
    `${n(s.refused)} refused${partly}${see}, ` +
    `${n(s.rows)} rows in the file${s.resumedFrom > 0 ? `, resumed after row ${n(s.resumedFrom)}` : ''}; ` +
    `${seconds.toFixed(1)} s (${n(Math.round(rowsThisRun / Math.max(seconds, 0.001)))} rows/s)\n`
  )
}
