import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

// A real process started with V8 flags, as an operator starts `sillage start`, and a real worker.
const dir = mkdtempSync(join(tmpdir(), 'sil-worker-flags-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const runtime = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'index.js')).href

describe('startCompiledWorker', () => {
  it('starts a worker when the process runs with flags a worker refuses, keeping the others', () => {
    const worker = join(dir, 'worker.mjs')
    writeFileSync(
      worker,
      "import { parentPort } from 'node:worker_threads'\nparentPort.postMessage(process.execArgv)\n",
    )
    const owner = join(dir, 'owner.mjs')
    writeFileSync(
      owner,
      [
        `import { startCompiledWorker } from ${JSON.stringify(runtime)}`,
        `const w = startCompiledWorker(new URL(${JSON.stringify(pathToFileURL(worker).href)}), {})`,
        "w.once('message', (argv) => { console.log(JSON.stringify(argv)); void w.terminate() })",
      ].join('\n'),
    )
    const out = execFileSync(
      process.execPath,
      ['--max-old-space-size=512', '--stack-size=900', '--enable-source-maps', owner],
      { encoding: 'utf8' },
    )
    expect(JSON.parse(out.trim())).toEqual(['--enable-source-maps'])
  })
})
