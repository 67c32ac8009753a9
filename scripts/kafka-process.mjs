// Processes, pid files and ports for the local Kafka broker (kafka-broker.mjs): is a pid alive,
// is it still our broker, signals, waiting for a condition, whether a loopback port accepts
// connections, and the tail of a log.

import { readFileSync } from 'node:fs'
import { connect } from 'node:net'

/** The broker listens on loopback only. */
export const HOST = '127.0.0.1'

/** SIGTERM, then SIGKILL when the process is still alive after `stopTimeoutMs`. */
export async function terminate(pid, stopTimeoutMs) {
  signal(pid, 'SIGTERM')
  try {
    await waitFor(() => !processAlive(pid), stopTimeoutMs, 'still running')
  } catch {
    signal(pid, 'SIGKILL')
    await waitFor(() => !processAlive(pid), 5_000, `broker pid ${pid} survived SIGKILL`)
  }
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig)
  } catch (err) {
    if (err.code !== 'ESRCH') throw err
  }
}

export function readPid(file) {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

export function processAlive(pid) {
  try {
    process.kill(pid, 0)
  } catch (err) {
    return err.code === 'EPERM'
  }
  // A zombie (exited, not yet reaped by its parent) is not alive.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return true
  }
}

/** Alive and still our broker (a recycled pid would run something else). */
export function isBroker(pid) {
  if (!processAlive(pid)) return false
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka.Kafka')
  } catch {
    return true // no /proc: trust the pid file
  }
}

export function portOpen(port) {
  return new Promise((resolvePromise) => {
    const socket = connect({ host: HOST, port })
    const done = (open) => {
      socket.destroy()
      resolvePromise(open)
    }
    socket.setTimeout(1_000, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

export async function waitFor(check, timeoutMs, message) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(message)
    await new Promise((r) => setTimeout(r, 200))
  }
}

export function logTail(file) {
  try {
    return tail(readFileSync(file, 'utf8'), 40)
  } catch {
    return '(no log)'
  }
}

export function tail(text, lines) {
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}
