#!/usr/bin/env node
// Local Kafka broker for development and tests: `node scripts/kafka.mjs start|stop|status [--fresh]`.
// `start` prints KAFKA_BROKERS=<host:port> as the last line on stdout; progress goes to stderr.
import { kafkaStatus, startKafka, stopKafka } from './kafka-broker.mjs'

const USAGE = `usage: node scripts/kafka.mjs <start [--fresh] | stop | status>

  start     fetch Kafka with Maven (once), format storage (once), start the broker detached,
            wait until it accepts connections, print KAFKA_BROKERS=<host:port>
  --fresh   wipe the data dir (KAFKA_DATA_DIR) first, restarting a running broker
  stop      SIGTERM the broker, SIGKILL after 30 s
  status    print whether the broker runs; exit 0 if it does, 1 if not

env: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_DATA_DIR (.cache/kafka/data), JAVA_HOME`

async function main(argv) {
  const [command, ...rest] = argv
  const unknown = rest.filter((arg) => arg !== '--fresh')
  if (unknown.length > 0 || (rest.includes('--fresh') && command !== 'start')) {
    console.error(`unknown option: ${[...unknown, '--fresh'][0]}\n\n${USAGE}`)
    return 2
  }
  switch (command) {
    case 'start': {
      const { brokers } = await startKafka({ fresh: rest.includes('--fresh') })
      console.log(`KAFKA_BROKERS=${brokers}`)
      return 0
    }
    case 'stop':
      await stopKafka()
      return 0
    case 'status': {
      const status = await kafkaStatus()
      if (status.running) console.log(`running (pid ${status.pid})\nKAFKA_BROKERS=${status.brokers}`)
      else if (status.pid !== undefined)
        console.log(`starting (pid ${status.pid}), not yet listening on ${status.brokers}`)
      else
        console.log(
          status.listening ? `not running; ${status.brokers} is used by another process` : 'not running',
        )
      return status.running ? 0 : 1
    }
    case '-h':
    case '--help':
    case 'help':
      console.log(USAGE)
      return 0
    default:
      console.error(USAGE)
      return 2
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err) => {
    console.error(`[kafka] ${err instanceof Error ? err.message : String(err)}`)
    process.exitCode = 1
  },
)
