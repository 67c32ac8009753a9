// The browser tests drive Debian's Chromium through playwright-core (never `playwright install`,
// which downloads a browser). Part of `pnpm test:all`: installs the distribution's package when
// /usr/bin/chromium is missing and apt-get is usable (as root, or with password-less sudo).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const CHROMIUM = '/usr/bin/chromium'
if (existsSync(CHROMIUM)) process.exit(0)

const run = (cmd, args) =>
  spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
const root = process.getuid?.() === 0
const hasSudo = !root && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0
const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0
if (!hasApt || (!root && !hasSudo)) {
  console.error(
    `[chromium] ${CHROMIUM} is missing: install your distribution's chromium package (the browser tests need it).`,
  )
  process.exit(1)
}
const prefix = root ? [] : ['sudo', '-n']
const apt = (...args) =>
  prefix.length ? run(prefix[0], [...prefix.slice(1), 'apt-get', ...args]) : run('apt-get', args)
console.log('[chromium] installing Debian chromium for the browser tests')
if (apt('update').status !== 0 || apt('install', '-y', '--no-install-recommends', 'chromium').status !== 0) {
  console.error('[chromium] apt-get install chromium failed')
  process.exit(1)
}
