import { readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'

const DAY_MS = 86_400_000

/** How often a running `start` sweeps the upload directory (the retention is counted in days). */
export const SWEEP_INTERVAL_MS = 6 * 3_600_000

/**
 * Deletes the files of `<data dir>/imports` (the uploads' `.rejected.ndjson`, and any upload left
 * by a crash) last modified more than `days` ago, the dead letters' retention
 * (SILLAGE_DEAD_LETTER_RETENTION_DAYS, docs/privacy.md#retention): a refused row holds the values
 * of a person who may be erased since. Returns the names deleted. A missing directory is empty.
 */
export function sweepImportFiles(dir: string, days: number, now: number = Date.now()): string[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  const cutoff = now - days * DAY_MS
  const deleted: string[] = []
  for (const name of names) {
    const path = join(dir, name)
    try {
      const stat = statSync(path)
      if (!stat.isFile() || stat.mtimeMs >= cutoff) continue
      rmSync(path, { force: true })
      deleted.push(name)
    } catch {
      // Gone meanwhile (another sweep, an upload's own clean-up): nothing to delete.
    }
  }
  return deleted
}
