import { pino, type Logger, type DestinationStream } from 'pino'
import { PinoPretty } from 'pino-pretty'

export type { Logger }

export interface LoggerOptions {
  level?: string
  name?: string
  /** Where the JSON lines go (tests capture them here). Default: stdout, pretty on a terminal. */
  destination?: DestinationStream
  /** Pretty lines instead of JSON. Default: whether stdout is a terminal (never with `destination`). */
  pretty?: boolean
}

/**
 * The one pino root logger of a process; components get children with a `component` binding.
 * On a terminal, pino's own pretty printer (pino-pretty, in-process and synchronous, so a line is
 * written before the process exits); otherwise (files, pipes, containers, log shippers) JSON lines.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const pretty = opts.pretty ?? (opts.destination === undefined && process.stdout.isTTY === true)
  const destination =
    opts.destination ??
    (pretty
      ? PinoPretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
      : undefined)
  return pino(
    {
      level: opts.level ?? 'info',
      name: opts.name ?? 'sillage',
      redact: {
        paths: ['req.headers.authorization', 'writeKey', '*.writeKey', 'adminToken', 'password'],
        censor: '[redacted]',
      },
    },
    destination,
  )
}
