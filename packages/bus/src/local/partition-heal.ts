/**
 * The disk-full healing of one partition (partition-log.ts). When a write fails (ENOSPC, EIO) the
 * partition refuses appends and this probe runs at once, then every `recoveryProbeMs`: on a fresh
 * descriptor it truncates the active segment back to its durable size (the torn tail: never read,
 * since readers stop at the durable size), writes PROBE_BYTES of zeros there, then truncates them
 * away. Once that succeeds the partition accepts appends again, with no restart and no
 * acknowledged record lost. A crash mid-probe leaves a zero tail, which recovery at open truncates
 * like any torn tail.
 */
import { closeFile, fdatasync, ftruncate, openFile, writeAll, type LogFileOps } from './durable-fs.js'
import type { BusLog } from './logger.js'
import type { Segment } from './partition-log-types.js'

/** Zeros a recovery probe writes after the durable end: the room a typical flush needs. */
export const PROBE_BYTES = 64 * 1024
const PROBE = Buffer.alloc(PROBE_BYTES)

export interface PartitionHealerDeps {
  topic: string
  partition: number
  log: BusLog
  ops: LogFileOps
  /** Flags a fresh descriptor of the active segment is opened with. */
  appendFlags: number
  recoveryProbeMs: number
  /** The active segment, whose tail is probed. */
  active: () => Segment
  /** The partition's write descriptor: the probe replaces it with a fresh one. */
  fd: { get(): number; set(fd: number): void }
  highWatermark: () => number
  onWriteFailure: (err: unknown) => void
  onRecovered: () => void
}

export interface PartitionHealer {
  /** The last error while the partition refuses appends; undefined when healthy. */
  readonly failure: unknown
  /** A write failed: refuse appends and start probing. */
  failed(err: unknown): void
  /** Stops probing (waits for a probe in flight). */
  close(): Promise<void>
}

export function createPartitionHealer(deps: PartitionHealerDeps): PartitionHealer {
  const { topic, partition, log, ops } = deps
  let failure: unknown
  let probeTimer: NodeJS.Timeout | undefined
  let probing: Promise<void> | undefined
  let closed = false

  function scheduleProbe(delayMs: number): void {
    if (closed || probeTimer || probing) return
    probeTimer = setTimeout(() => {
      probeTimer = undefined
      probing = probe().finally(() => {
        probing = undefined
        if (failure !== undefined) scheduleProbe(deps.recoveryProbeMs)
      })
    }, delayMs)
    probeTimer.unref()
  }

  /** Cuts the torn tail, then checks that a write of PROBE_BYTES succeeds; see the file comment. */
  async function probe(): Promise<void> {
    const segment = deps.active()
    try {
      // A fresh descriptor: after EIO the old one may go on reporting the error.
      const fd = await openFile(segment.file, deps.appendFlags, ops)
      await closeFile(deps.fd.get(), ops).catch(() => {})
      deps.fd.set(fd)
      await ftruncate(fd, segment.durableSize, ops)
      segment.size = segment.durableSize
      await writeAll(fd, PROBE, segment.durableSize, ops)
      await ftruncate(fd, segment.durableSize, ops)
      // The truncation must be durable before new records take the torn ones' offsets.
      await fdatasync(fd, ops)
    } catch (err) {
      if (closed) return
      failure = err
      deps.onWriteFailure(err)
      return
    }
    if (closed) return
    failure = undefined
    log.info(
      { topic, partition, highWatermark: deps.highWatermark() },
      'local bus: writes succeed again; the partition accepts appends',
    )
    deps.onRecovered()
  }

  return {
    get failure() {
      return failure
    },
    failed(err) {
      failure = err
      deps.onWriteFailure(err)
      scheduleProbe(0)
    },
    async close() {
      closed = true
      clearTimeout(probeTimer)
      probeTimer = undefined
      await probing
    },
  }
}
