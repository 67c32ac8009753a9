import { logLevel, type logCreator } from 'kafkajs'

/** The part of a pino logger the Kafka bus uses; pino's `Logger` satisfies it. */
export interface KafkaBusLogger {
  error(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
}

const noop = (): void => {}
export const silentLogger: KafkaBusLogger = { error: noop, warn: noop, info: noop }

/** kafkajs logs warnings and errors only; everything else is our own, per batch or per event. */
export const KAFKAJS_LOG_LEVEL = logLevel.WARN

/**
 * kafkajs warns on every idempotent producer whose retries are bounded ("may invalidate EoS
 * guarantees"). The bus bounds them on purpose: it promises at-least-once, not exactly-once, and a
 * produce must fail in bounded time so the collector can answer 503. Known and decided, so dropped.
 */
const EXPECTED_WARNINGS = ['Limiting retries for the idempotent producer']

/**
 * Routes kafkajs's log entries to the given logger. kafkajs logs each transient protocol error
 * ("[Connection] Response ..." with e.g. "coordinator is loading") at ERROR and then retries it:
 * those become warnings; whatever finally fails reaches the caller as a BusError or a crash log.
 */
export function kafkaLogCreator(log: KafkaBusLogger): logCreator {
  return () =>
    ({ namespace, level, log: entry }) => {
      const { message } = entry
      const obj: Record<string, unknown> = { kafkajs: namespace, ...entry }
      delete obj.message
      delete obj.timestamp // the app logger stamps its own
      delete obj.logger
      if (level === logLevel.ERROR || level === logLevel.NOTHING) {
        if (namespace === 'Connection' && message.startsWith('Response ')) log.warn(obj, message)
        else log.error(obj, message)
      } else if (level === logLevel.WARN) {
        if (!EXPECTED_WARNINGS.some((w) => message.startsWith(w))) log.warn(obj, message)
      } else {
        log.info(obj, message)
      }
    }
}
