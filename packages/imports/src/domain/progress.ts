/** Rows per second and time left, from the rows done since the start (or the resume). */
export interface Progress {
  done: number
  total: number
  /** Rows done in this run (a resumed run starts at the checkpoint). */
  doneThisRun: number
  elapsedMs: number
}

export function rate(p: Progress): number {
  return p.elapsedMs > 0 ? (p.doneThisRun * 1000) / p.elapsedMs : 0
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--'
  const s = Math.max(0, Math.round(seconds))
  const h = Math.floor(s / 3600)
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0')
  const ss = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`
}

/** `[#########-----------]  45% 450,000/1,000,000 rows  52,310 rows/s  ETA 00:10` */
export function formatProgress(p: Progress, width = 24): string {
  const share = p.total > 0 ? Math.min(1, p.done / p.total) : 1
  const filled = Math.round(share * width)
  const r = rate(p)
  const eta = r > 0 ? (p.total - p.done) / r : Infinity
  const n = (x: number) => Math.round(x).toLocaleString('en-US')
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% ${n(p.done)}/${n(p.total)} rows  ${n(r)} rows/s  ETA ${duration(eta)}`
}
