import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url))
const program = `import(${JSON.stringify(dist)}).then((m) => m.createLogger().info({ items: 3 }, 'hello'))`

// The built logger in a real process: what an operator sees on a terminal, and what a pipe gets.
describe('createLogger output', () => {
  it('writes JSON lines when stdout is not a terminal', async () => {
    const { stdout } = await run(process.execPath, ['-e', program])
    expect(JSON.parse(stdout)).toMatchObject({ level: 30, name: 'sillage', items: 3, msg: 'hello' })
  })

  it('writes pino-pretty lines on a terminal', async () => {
    // util-linux `script` gives the child a pseudo-terminal.
    const cmd = `${JSON.stringify(process.execPath)} -e ${JSON.stringify(program).replace(/\$/g, '\\$')}`
    const { stdout } = await run('script', ['-qec', cmd, '/dev/null'])
    const text = stdout.replace(/\x1b\[[0-9;]*m/g, '') // eslint-disable-line no-control-regex
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(sillage\): hello\r?\n\s+items: 3/)
    expect(text).not.toContain('"level"')
  })
})
