/**
 * `<dir>/.lock` holds the pid of the process that has the log open: two writers on one directory
 * would interleave frames. A lock left by a dead process (kill -9) is taken over.
 */
import fs from 'node:fs'
import path from 'node:path'
import { BusError } from '../bus.js'
import { isErrnoException } from './durable-fs.js'

export const LOCK_FILE = '.lock'

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return isErrnoException(err, 'EPERM')
  }
}

/** Takes the lock or throws SIL_BUS_UNAVAILABLE; returns the release function. */
export function acquireDirLock(dir: string): () => void {
  const file = path.join(dir, LOCK_FILE)
  const mine = String(process.pid)
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, mine, { flag: 'wx' })
      return () => {
        try {
          if (fs.readFileSync(file, 'utf8') === mine) fs.rmSync(file, { force: true })
        } catch {
          // already gone
        }
      }
    } catch (err) {
      if (!isErrnoException(err, 'EEXIST')) throw err
    }
    let owner = NaN
    try {
      owner = Number(fs.readFileSync(file, 'utf8').trim())
    } catch {
      continue // released meanwhile
    }
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
      const who = owner === process.pid ? 'this process' : `process ${owner}`
      throw new BusError('SIL_BUS_UNAVAILABLE', `local bus directory ${dir} is already open in ${who}`)
    }
    fs.rmSync(file, { force: true })
  }
  throw new BusError('SIL_BUS_UNAVAILABLE', `could not lock local bus directory ${dir}`)
}
