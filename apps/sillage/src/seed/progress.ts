/** A progress bar on a terminal's stderr; nothing on a pipe (the summary line says it all). */
export interface Progress {
  update(done: number): void
  done(): void
}

export function createProgress(
  total: number,
  label: string,
  out: NodeJS.WriteStream = process.stderr,
  width = 30,
): Progress {
  if (!out.isTTY || total === 0) return { update() {}, done() {} }
  let last = -1
  const draw = (done: number) => {
    const ratio = Math.min(1, done / total)
    const filled = Math.round(ratio * width)
    const percent = Math.floor(ratio * 100)
    if (percent === last && done < total) return
    last = percent
    out.write(
      `\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(percent).padStart(3)}%  ${done.toLocaleString('en')}/${total.toLocaleString('en')}`,
    )
  }
  draw(0)
  return {
    update: draw,
    done() {
      draw(total)
      out.write('\n')
    },
  }
}
