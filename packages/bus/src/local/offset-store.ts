/**
 * Committed consumer-group offsets: `<dir>/__offsets/<group>.json`, one file per group holding
 * `{ version, group, offsets: { [topic]: { [partition]: nextOffset } } }`. Each write replaces the
 * file atomically (temp + fsync + rename + fsync dir). Commits that arrive while a write is in flight
 * are coalesced into the next write.
 */
import fs from 'node:fs'
import path from 'node:path'
import { writeFileAtomic } from './durable-fs.js'
import type { BusLog } from './logger.js'

export const OFFSETS_DIR = '__offsets'

export interface OffsetStore {
  /** The committed next offset, or undefined when the group never committed this partition. */
  get(group: string, topic: string, partition: number): number | undefined
  /** Resolves once the offset (and any earlier commit of the group) is durable. */
  commit(group: string, topic: string, partition: number, offset: number): Promise<void>
  /** Waits for in-flight writes. */
  close(): Promise<void>
}

type GroupOffsets = Record<string, Record<string, number>>

interface GroupState {
  file: string
  offsets: GroupOffsets
  writing: Promise<void> | undefined
  next: { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void } | undefined
}

interface OffsetsFile {
  version: 1
  group: string
  offsets: GroupOffsets
}

function isOffsetsFile(value: unknown): value is OffsetsFile {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Partial<OffsetsFile>
  return v.version === 1 && typeof v.group === 'string' && typeof v.offsets === 'object' && v.offsets !== null
}

export function createOffsetStore(rootDir: string, log: BusLog): OffsetStore {
  const dir = path.join(rootDir, OFFSETS_DIR)
  fs.mkdirSync(dir, { recursive: true })
  const groups = new Map<string, GroupState>()

  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name)
    if (name.endsWith('.tmp')) {
      fs.rmSync(file, { force: true })
      continue
    }
    if (!name.endsWith('.json')) continue
    let parsed: unknown
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'))
    } catch (err) {
      parsed = err
    }
    if (!isOffsetsFile(parsed)) {
      // Ignoring it re-delivers from the start of the log: duplicates, never loss.
      log.warn({ file }, 'local bus: unreadable offsets file ignored')
      continue
    }
    groups.set(parsed.group, { file, offsets: parsed.offsets, writing: undefined, next: undefined })
  }

  function stateOf(group: string): GroupState {
    let state = groups.get(group)
    if (!state) {
      state = {
        file: path.join(dir, `${encodeURIComponent(group)}.json`),
        offsets: {},
        writing: undefined,
        next: undefined,
      }
      groups.set(group, state)
    }
    return state
  }

  function startWrite(group: string, state: GroupState): void {
    const waiter = state.next!
    state.next = undefined
    const body: OffsetsFile = { version: 1, group, offsets: state.offsets }
    state.writing = writeFileAtomic(state.file, `${JSON.stringify(body)}\n`)
      .then(waiter.resolve, waiter.reject)
      .finally(() => {
        state.writing = undefined
        if (state.next) startWrite(group, state)
      })
  }

  return {
    get(group, topic, partition) {
      return groups.get(group)?.offsets[topic]?.[String(partition)]
    },

    commit(group, topic, partition, offset) {
      const state = stateOf(group)
      const byPartition = (state.offsets[topic] ??= {})
      byPartition[String(partition)] = offset
      if (!state.next) {
        let resolve!: () => void
        let reject!: (err: unknown) => void
        const promise = new Promise<void>((res, rej) => {
          resolve = res
          reject = rej
        })
        state.next = { promise, resolve, reject }
      }
      const { promise } = state.next
      if (!state.writing) startWrite(group, state)
      return promise
    },

    async close() {
      for (;;) {
        const pending = [...groups.values()].map((s) => s.writing).filter((w) => w !== undefined)
        if (pending.length === 0) return
        await Promise.all(pending)
      }
    },
  }
}
