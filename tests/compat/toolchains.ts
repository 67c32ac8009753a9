/**
 * Prepares the compatibility suite's client programs on a fresh clone, and caches them under
 * .cache/compat/ across runs:
 * - Python: a venv (`python3 -m venv`) with tests/compat/python/requirements.txt, rebuilt when that
 *   file or the interpreter changes;
 * - Go: `go build` of tests/compat/go (modules pinned by go.mod/go.sum, in the default GOPATH);
 * - Java: `mvn dependency:copy-dependencies` of tests/compat/java/pom.xml, then `javac`, redone when
 *   the pom, the program or the JDK changes.
 * A missing tool fails the client's test with what to install, never skips it.
 */
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../helpers/pipeline.js'

export const compatDir = join(repoRoot, 'tests/compat')
export const cacheDir = join(repoRoot, '.cache/compat')

/** How to run one client program: the command and its arguments. */
export interface ClientCommand {
  command: string
  args: string[]
}

export interface RunResult {
  code: number | null
  output: string
}

/** Runs a command, collecting stdout and stderr together; killed after `timeoutMs`. */
export function run(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd ?? repoRoot,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    const timer = setTimeout(() => {
      output += `\n[killed after ${opts.timeoutMs} ms]`
      child.kill('SIGKILL')
    }, opts.timeoutMs ?? 120_000)
    child.once('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

/** Runs a setup step and throws with its output when it fails. */
async function step(what: string, command: string, args: string[], cwd?: string): Promise<string> {
  const r = await run(command, args, { cwd, timeoutMs: 600_000 })
  if (r.code !== 0) throw new Error(`compat setup: ${what} failed (exit ${r.code}):\n${r.output}`)
  return r.output
}

/** The tool's version line, or an error naming what to install when it is not on PATH. */
function requireTool(tool: string, versionArgs: string[], install: string): string {
  const r = spawnSync(tool, versionArgs, { encoding: 'utf8' })
  if (r.error || r.status !== 0) {
    throw new Error(
      `compat setup: \`${tool}\` was not found on PATH (${r.error?.message ?? `exit ${r.status}`}). ` +
        `The compatibility suite (tests/compat) needs it: ${install}.`,
    )
  }
  return `${r.stdout}${r.stderr}`.trim()
}

const hashOf = (...parts: string[]): string => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p).update('\0')
  return h.digest('hex')
}

/** Runs `build` unless `dir/.stamp` holds `stamp`; writes the stamp only after a full build. */
async function cached(dir: string, stamp: string, build: () => Promise<void>): Promise<void> {
  const stampFile = join(dir, '.stamp')
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  await build()
  writeFileSync(stampFile, stamp)
}

let python: Promise<string> | undefined
/**
 * The venv's python, with Segment's and RudderStack's Python libraries installed. Both Python
 * clients ask at once: one venv build, shared (two concurrent builds of one venv collide).
 */
export function preparePython(): Promise<string> {
  python ??= buildPython()
  return python
}

async function buildPython(): Promise<string> {
  const version = requireTool(
    'python3',
    ['--version'],
    'Python 3.9+ with its venv module (Debian: apt-get install python3 python3-venv)',
  )
  const requirements = join(compatDir, 'python/requirements.txt')
  const venv = join(cacheDir, 'venv')
  const python = join(venv, 'bin/python')
  await cached(venv, hashOf(version, readFileSync(requirements, 'utf8')), async () => {
    await step('python3 -m venv', 'python3', ['-m', 'venv', venv])
    await step('pip install', python, [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '--quiet',
      '-r',
      requirements,
    ])
  })
  return python
}

/** The built Go client (Segment's analytics-go). */
export async function prepareGo(): Promise<string> {
  requireTool(
    'go',
    ['version'],
    'Go 1.21+ (https://go.dev/doc/install, or Debian: apt-get install golang-go)',
  )
  const binary = join(cacheDir, 'go/compat-go')
  // The build cache makes a rebuild of an unchanged program take well under a second.
  await step('go build', 'go', ['build', '-buildvcs=false', '-o', binary, '.'], join(compatDir, 'go'))
  return binary
}

/** The compiled Java client (Segment's analytics-java) and its classpath. */
export async function prepareJava(): Promise<ClientCommand> {
  const javaVersion = requireTool('java', ['-version'], 'a JDK 17+ (Debian: apt-get install openjdk-17-jdk)')
  requireTool('javac', ['-version'], 'a JDK 17+ with javac (Debian: apt-get install openjdk-17-jdk)')
  requireTool('mvn', ['-v'], 'Maven 3.6+ (Debian: apt-get install maven)')
  const src = join(compatDir, 'java')
  const out = join(cacheDir, 'java')
  const lib = join(out, 'lib')
  const classes = join(out, 'classes')
  const pom = readFileSync(join(src, 'pom.xml'), 'utf8')
  const program = readFileSync(join(src, 'CompatClient.java'), 'utf8')
  await cached(out, hashOf(javaVersion, pom, program), async () => {
    await step('mvn dependency:copy-dependencies', 'mvn', [
      '-B',
      '-q',
      '-f',
      join(src, 'pom.xml'),
      'dependency:copy-dependencies',
      `-DoutputDirectory=${lib}`,
    ])
    await step('javac', 'javac', ['-d', classes, '-cp', join(lib, '*'), join(src, 'CompatClient.java')])
  })
  return { command: 'java', args: ['-cp', `${classes}:${join(lib, '*')}`, 'CompatClient'] }
}
