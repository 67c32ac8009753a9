import { pino, type Logger, type DestinationStream } from 'pino'

export type { Logger }

/** The one pino root logger of a process; components get children with a `component` binding. */
export function createLogger(
  opts: { level?: string; name?: string; destination?: DestinationStream } = {},
): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      name: opts.name ?? 'sillage',
      redact: {
        paths: ['req.headers.authorization', 'writeKey', '*.writeKey', 'adminToken', 'password'],
        censor: '[redacted]',
      },
    },
    opts.destination,
  )
}
