/** The subset of a pino logger the local bus uses; a pino `Logger` satisfies it. */
export interface LocalBusLogger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  /** Falls back to `warn` when absent. */
  error?(obj: object, msg: string): void
}

export type BusLog = Required<LocalBusLogger>

const noop = (): void => {}

/** Resolved once at creation: a missing logger becomes no-ops, a missing `error` becomes `warn`. */
export function normalizeLogger(log: LocalBusLogger | undefined): BusLog {
  if (!log) return { info: noop, warn: noop, error: noop }
  return {
    info: (obj, msg) => log.info(obj, msg),
    warn: (obj, msg) => log.warn(obj, msg),
    error: (obj, msg) => (log.error ? log.error(obj, msg) : log.warn(obj, msg)),
  }
}
