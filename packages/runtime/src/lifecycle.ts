import { z } from 'zod'
import { envInt, parseEnv } from './env.js'
import { ListenError } from './listen-error.js'
import type { Logger } from './logger.js'

const lifecycleEnvSchema = z.object({
  SILLAGE_SHUTDOWN_TIMEOUT_MS: envInt(30_000, 1_000, 600_000),
})

/** The variables loadLifecycleConfig reads. */
export const LIFECYCLE_ENV_VARS: readonly string[] = Object.keys(lifecycleEnvSchema.shape)

/** SILLAGE_SHUTDOWN_TIMEOUT_MS: how long a graceful shutdown may take before the process exits 1. */
export function loadLifecycleConfig(env: Record<string, string | undefined>): { shutdownTimeoutMs: number } {
  return { shutdownTimeoutMs: parseEnv(lifecycleEnvSchema, env).SILLAGE_SHUTDOWN_TIMEOUT_MS }
}

/**
 * Runs `shutdown` once, on the first SIGTERM or SIGINT, then exits: 0 when it resolved, 1 when it
 * threw or did not finish within `timeoutMs` (work left uncommitted is redelivered: the bus is
 * at-least-once). A second signal is logged and otherwise ignored.
 */
export function exitOnSignal(opts: {
  log: Logger
  timeoutMs: number
  shutdown: (signal: NodeJS.Signals) => Promise<void>
}): void {
  let stopping = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      opts.log.warn({ signal }, 'already shutting down')
      return
    }
    stopping = true
    const started = Date.now()
    opts.log.info({ signal, timeoutMs: opts.timeoutMs }, 'shutting down')
    const timer = setTimeout(() => {
      opts.log.error({ timeoutMs: opts.timeoutMs }, 'shutdown timed out; exiting')
      process.exit(1)
    }, opts.timeoutMs)
    opts.shutdown(signal).then(
      () => {
        clearTimeout(timer)
        opts.log.info({ ms: Date.now() - started }, 'stopped')
        process.exit(0)
      },
      (err: unknown) => {
        clearTimeout(timer)
        opts.log.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
}

/**
 * The fatal line of a start that failed: a port that cannot be listened on (ListenError) as its
 * one line `SIL_LISTEN_FAILED: <variable>: <address> …` with its code, variable and address, and no
 * stack; anything else as `failed to start` with the error.
 */
export function logStartupFailure(log: Logger, err: unknown): void {
  if (err instanceof ListenError) log.fatal(err.logFields(), err.message)
  else log.fatal({ err }, 'failed to start')
}

/**
 * For a main() that failed: its fatal line (logStartupFailure), or, before it could log, one line
 * on stderr; exit 1.
 */
export function exitOnStartupError(err: unknown, log?: Logger): never {
  if (log) logStartupFailure(log, err)
  else process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
}
