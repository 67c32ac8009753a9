import { resolve } from 'node:path'

/**
 * A path the user typed (a file to import, a mapping, a plan), resolved where they typed it. Run as
 * `npx -y pnpm@… sillage …`, the CLI's working directory is the repo root, whatever the user's:
 * pnpm runs scripts from the package and passes the directory the command was typed in as
 * INIT_CWD (npm does the same). `import receipts.csv` typed in `~/exports` must read that file.
 */
export function userPath(path: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env['INIT_CWD'] || process.cwd(), path)
}
