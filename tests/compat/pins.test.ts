import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from '../helpers/pipeline.js'
import { CLIENTS, type CompatClient } from './clients.js'

const read = (path: string): string => readFileSync(join(repoRoot, path), 'utf8')
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The version each ecosystem's own pin file holds for the client's library. */
function pinnedVersion(client: CompatClient): string | undefined {
  switch (client.registry) {
    case 'npm': {
      const pkg = JSON.parse(read('tests/package.json')) as { dependencies: Record<string, string> }
      return pkg.dependencies[client.pkg]
    }
    case 'PyPI':
      return new RegExp(`^${escape(client.pkg)}==(\\S+)$`, 'im').exec(
        read('tests/compat/python/requirements.txt'),
      )?.[1]
    case 'Go':
      return new RegExp(`^require ${escape(client.pkg)} (\\S+)$`, 'm').exec(
        read('tests/compat/go/go.mod'),
      )?.[1]
    case 'Maven': {
      const [groupId, artifactId] = client.pkg.split(':')
      return new RegExp(
        `<groupId>${escape(groupId ?? '')}</groupId>\\s*<artifactId>${escape(artifactId ?? '')}</artifactId>\\s*<version>([^<]+)</version>`,
      ).exec(read('tests/compat/java/pom.xml'))?.[1]
    }
  }
}

describe('compatibility suite pins', () => {
  it.each(CLIENTS.map((c) => [c.pkg, c] as const))(
    '%s: the tested version is the one pinned and the one docs/events.md lists',
    (_pkg, client) => {
      expect(pinnedVersion(client)).toBe(client.version)
      const row = new RegExp(
        `^\\| ${client.registry} \\| \`${escape(client.pkg)}\` \\| ${escape(client.version)} \\|`,
        'm',
      )
      expect(read('docs/events.md')).toMatch(row)
    },
  )
})
