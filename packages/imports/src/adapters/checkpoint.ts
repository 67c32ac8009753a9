import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'

/** What a resumed import trusts: the same file (size and mtime), the same kind, and the rows done. */
export interface Checkpoint {
  kind: string
  size: number
  mtimeMs: number
  rowsDone: number
}

export interface CheckpointFile {
  /** Rows already done for this very file and kind, else 0. */
  load(kind: string): number
  save(kind: string, rowsDone: number): void
  remove(): void
}

export function createCheckpointFile(input: string, path = `${input}.checkpoint.json`): CheckpointFile {
  const stamp = () => {
    const st = statSync(input)
    return { size: st.size, mtimeMs: Math.trunc(st.mtimeMs) }
  }
  return {
    load(kind) {
      if (!existsSync(path)) return 0
      try {
        const cp = JSON.parse(readFileSync(path, 'utf8')) as Checkpoint
        const now = stamp()
        return cp.kind === kind && cp.size === now.size && cp.mtimeMs === now.mtimeMs ? cp.rowsDone : 0
      } catch {
        return 0
      }
    },
    save(kind, rowsDone) {
      const cp: Checkpoint = { kind, ...stamp(), rowsDone }
      writeFileSync(`${path}.tmp`, JSON.stringify(cp) + '\n')
      renameSync(`${path}.tmp`, path)
    },
    remove: () => rmSync(path, { force: true }),
  }
}
