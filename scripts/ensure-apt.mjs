// The Debian packages the tests drive, installed when missing: Chromium for the browser tests
// (through playwright-core; never `playwright install`, which downloads a browser) and
// clickhouse-server for the HTTP warehouse path, prometheus for `promtool check rules` on the
// alert rules in docker/prometheus/, python3-venv for the Python client libraries' tests. Part of `pnpm test:all`: uses apt-get as root,
// or with password-less sudo.
//
//   node scripts/ensure-apt.mjs
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const PACKAGES = [
  { name: 'chromium', binary: '/usr/bin/chromium', for: 'the browser tests' },
  { name: 'clickhouse-server', binary: '/usr/sbin/clickhouse-server', for: 'the ClickHouse HTTP tests' },
  { name: 'prometheus', binary: '/usr/bin/promtool', for: 'the alert rules check (promtool check rules)' },
  {
    name: 'python3-venv',
    binary: 'python3 -m venv',
    for: "the official Python clients' compatibility tests (tests/compat)",
    present: () => spawnSync('python3', ['-c', 'import ensurepip, venv'], { stdio: 'ignore' }).status === 0,
  },
]

const missing = PACKAGES.filter((p) => !(p.present ? p.present() : existsSync(p.binary)))
if (missing.length === 0) process.exit(0)

const run = (cmd, args) =>
  spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
const root = process.getuid?.() === 0
const hasSudo = !root && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0
const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0
if (!hasApt || (!root && !hasSudo)) {
  for (const p of missing)
    console.error(
      `[apt] ${p.binary} is missing: install your distribution's ${p.name} package (${p.for} need it).`,
    )
  process.exit(1)
}
const prefix = root ? [] : ['sudo', '-n']
const apt = (...args) =>
  prefix.length ? run(prefix[0], [...prefix.slice(1), 'apt-get', ...args]) : run('apt-get', args)
const names = missing.map((p) => p.name)
console.log(`[apt] installing ${names.join(', ')} for the tests`)
if (apt('update').status !== 0 || apt('install', '-y', '--no-install-recommends', ...names).status !== 0) {
  console.error(`[apt] apt-get install ${names.join(' ')} failed`)
  process.exit(1)
}
