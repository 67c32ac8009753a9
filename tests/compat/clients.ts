/**
 * The official client libraries the compatibility suite runs, each a small program in
 * tests/compat/<language>/ that uses the library on its defaults with only its host (and write key)
 * set. Each program reads COMPAT_HOST, COMPAT_WRITE_KEY, COMPAT_USER_ID, COMPAT_ANONYMOUS_ID and
 * COMPAT_PREVIOUS_ID, sends identify, track, page and alias, flushes, and exits 0 only when the
 * library reported no error. The versions are pinned where each ecosystem pins them
 * (tests/package.json, python/requirements.txt, go/go.mod, java/pom.xml), and listed in
 * docs/events.md ("Client libraries tested").
 */
import { join } from 'node:path'
import { compatDir, prepareGo, prepareJava, preparePython, type ClientCommand } from './toolchains.js'

export interface CompatClient {
  /** A short id, used in the events' user ids. */
  id: string
  registry: 'npm' | 'PyPI' | 'Go' | 'Maven'
  /** The package (or module, or artifact) as its registry names it. */
  pkg: string
  /** The pinned version. */
  version: string
  /** `context.library` as the library sends it (analytics-go v3.3.0 still reports 3.0.0). */
  library: { name: string; version: string }
  /** Fetches and builds what the program needs (cached), and says how to run it. */
  prepare: () => Promise<ClientCommand>
}

const node = (file: string) => async (): Promise<ClientCommand> => ({
  command: process.execPath,
  args: [join(compatDir, 'node', file)],
})
const python = (file: string) => async (): Promise<ClientCommand> => ({
  command: await preparePython(),
  args: [join(compatDir, 'python', file)],
})

export const CLIENTS: readonly CompatClient[] = [
  {
    id: 'segment-node',
    registry: 'npm',
    pkg: '@segment/analytics-node',
    version: '3.1.0',
    library: { name: '@segment/analytics-node', version: '3.1.0' },
    prepare: node('segment-client.mjs'),
  },
  {
    id: 'rudder-node',
    registry: 'npm',
    pkg: '@rudderstack/rudder-sdk-node',
    version: '3.0.13',
    library: { name: 'analytics-node', version: '3.0.13' },
    prepare: node('rudder-client.mjs'),
  },
  {
    id: 'segment-python',
    registry: 'PyPI',
    pkg: 'segment-analytics-python',
    version: '2.4.0',
    library: { name: 'analytics-python', version: '2.4.0' },
    prepare: python('segment_client.py'),
  },
  {
    id: 'rudder-python',
    registry: 'PyPI',
    pkg: 'rudder-sdk-python',
    version: '2.1.9',
    library: { name: 'analytics-python', version: '2.1.9' },
    prepare: python('rudder_client.py'),
  },
  {
    id: 'segment-go',
    registry: 'Go',
    pkg: 'github.com/segmentio/analytics-go/v3',
    version: 'v3.3.0',
    library: { name: 'analytics-go', version: '3.0.0' },
    prepare: async () => ({ command: await prepareGo(), args: [] }),
  },
  {
    id: 'segment-java',
    registry: 'Maven',
    pkg: 'com.segment.analytics.java:analytics',
    version: '3.5.4',
    library: { name: 'analytics-java', version: '3.5.4' },
    prepare: prepareJava,
  },
]
