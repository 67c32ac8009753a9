import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'

/** The repo root (apps/sillage/dist/banner.js → ../../..). */
const REPO_ROOT = resolve(new URL('../../..', import.meta.url).pathname)

/**
 * How a user runs the CLI from the repo root, exactly: `npx -y pnpm@<version> sillage`, the version
 * pinned by the root package.json's `packageManager` (a different global pnpm refuses to run it).
 * Outside a checkout (a Docker image), the `sillage` binary.
 */
export function cliCommand(root = REPO_ROOT): string {
  return pnpmScript('sillage', root) ?? 'sillage'
}

/** `npx -y pnpm@<version> <script>` for a root package.json script, or undefined outside a checkout. */
export function pnpmScript(script: string, root = REPO_ROOT): string | undefined {
  const file = resolve(root, 'package.json')
  if (!existsSync(file)) return undefined
  const { packageManager } = JSON.parse(readFileSync(file, 'utf8')) as { packageManager?: unknown }
  return typeof packageManager === 'string' && /^pnpm@[\w.+-]+$/.test(packageManager)
    ? `npx -y ${packageManager} ${script}`
    : undefined
}

/** The first query of the README and the banner: the resolved person (events_resolved). */
export const firstQuery = (database: string) =>
  `SELECT event, anonymous_id, user_id, person_id, timestamp FROM ${database}.events_resolved ORDER BY received_at DESC LIMIT 5`

export interface BannerInput {
  url: string
  busKind: string
  warehouseKind: string
  database: string
  /** Absolute (SILLAGE_DATA_DIR); the commands name it when it is not the default `./.sillage`. */
  dataDir: string
  /** Where the admin token is: `$SILLAGE_ADMIN_TOKEN` or its file. */
  adminTokenHint: string
  demo?: { id: string; writeKey: string } | undefined
  /**
   * The source the printed curl sends through: a server source when there is one (a terminal is a
   * server; through a browser key, curl's user agent marks the event as a bot's, which profiles
   * and sessions leave out), else `demo`.
   */
  sender?: { id: string; writeKey: string } | undefined
  /** The demo profile read key (`.sillage/profile-read-key`), when no read key is configured. */
  profileReadKey?: string | undefined
  /** The profiles thread's own base URL (SILLAGE_PROFILES_PORT), where the lookup is sent. */
  profilesUrl?: string | undefined
  cli?: string
}

/** What `sillage start` prints once it serves: every command runs as printed, from the repo root. */
export function startBanner(b: BannerInput): string {
  const cli = b.cli ?? cliCommand()
  const env = b.dataDir === resolve('.sillage') ? '' : `SILLAGE_DATA_DIR=${shellQuote(b.dataDir)} `
  const sender = b.sender ?? b.demo
  const lines = [
    '',
    `Sillage is running (embedded: ${b.busKind} bus, ${b.warehouseKind} warehouse in ${b.dataDir})`,
    `  collector   ${b.url}/v1/batch`,
    `  demo shop   ${b.url}/demo/`,
    `  debugger    ${b.url}/debugger/  (admin token: ${b.adminTokenHint})`,
    `  dashboard   ${b.url}/dashboard/  (analyst or admin token)`,
    `  metrics     ${b.url}/metrics`,
    ...(b.demo ? [`  write key   ${b.demo.writeKey}  (source "${b.demo.id}")`] : []),
    ...(b.profilesUrl
      ? [`  profiles    ${b.profilesUrl}/v1/profiles/  (lookups in a thread of their own)`]
      : []),
    ...(b.profileReadKey ? [`  read key    ${b.profileReadKey}  (profile API, server-side only)`] : []),
    '',
    ...(sender
      ? [
          `Send an event (source "${sender.id}"):`,
          `  curl -s -u '${sender.writeKey}:' -H 'content-type: application/json' ${b.url}/v1/track -d '{"event":"Hello","anonymousId":"a1","properties":{"plan":"demo"}}'`,
        ]
      : []),
    ...(sender && b.profileReadKey
      ? [
          'Look its visitor up in the profile API (a few seconds later):',
          `  curl -s -H 'authorization: Bearer ${b.profileReadKey}' ${b.profilesUrl ?? b.url}/v1/profiles/anonymous_id/a1`,
        ]
      : []),
    'Query it (in another terminal, from this directory):',
    `  ${env}${cli} query "${firstQuery(b.database)}"`,
    'Fill it with a demo shop (shoppers over days, through the collector):',
    `  ${env}${cli} seed`,
    '',
  ]
  return lines.join('\n')
}

function shellQuote(s: string): string {
  return /^[\w./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}
