// A 1M-row store receipts file imported with `sillage import` into the embedded pipeline
// (collector, local bus, identity, chDB in one `sillage start`): time until the collector has
// acknowledged every row (the import command's own run), and until every receipt is queryable.
//
//   pnpm bench:imports             (after pnpm build)
//   ROWS=200000 pnpm bench:imports
import { execFileSync } from 'node:child_process'
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { freePort, machine, repoRoot, startProcess, waitFor } from './lib.mjs'

const ROWS = Number(process.env.ROWS ?? 1_000_000)
const WRITE_KEY = 'sk_bench_0123456789'
const ADMIN = 'admin_bench_0123456789abcdef'
const STORES = ['paris-marais', 'lyon-presquile', 'bordeaux-chartrons', 'lille-centre', 'nice-vieux']

async function query(url, sql) {
  const res = await fetch(`${url}/admin/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify({ sql }),
  })
  if (!res.ok) throw new Error(await res.text())
  return (await res.text())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
}

/** receipt_id, store_id, timestamp, loyalty_card, email, items (JSON), total, currency. */
async function writeReceipts(file) {
  const out = createWriteStream(file)
  out.write('receipt_id,store_id,timestamp,loyalty_card,email,items,total,currency\n')
  const start = Date.UTC(2025, 0, 1)
  for (let i = 0; i < ROWS; i++) {
    const qty = 1 + (i % 3)
    const price = 9.9 + (i % 17) * 5
    const items = `"[{""product_id"":""p-${String(i % 17).padStart(3, '0')}"",""price"":${price.toFixed(2)},""quantity"":${qty}}]"`
    const card = i % 4 === 0 ? '' : `0${100000 + (i % 50000)}`
    const email = i % 5 === 0 ? `client${i % 80000}@example.com` : ''
    const ts = new Date(start + (i % 365) * 86_400_000 + 9 * 3_600_000 + (i % 28_800) * 1000).toISOString()
    const line = `R${i},${STORES[i % STORES.length]},${ts},${card},${email},${items},${(price * qty).toFixed(2)},EUR\n`
    if (!out.write(line)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
}

console.log(`machine: ${machine()}`)
const dir = mkdtempSync(join(tmpdir(), 'sillage-bench-imports-'))
try {
  const file = join(dir, 'receipts.csv')
  await writeReceipts(file)
  console.log(
    `file: ${ROWS.toLocaleString('en-US')} receipts, ${(statSync(file).size / 1e6).toFixed(0)} MB CSV`,
  )
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const env = {
    SILLAGE_DATA_DIR: join(dir, 'data'),
    SILLAGE_PORT: String(port),
    SILLAGE_ADMIN_TOKEN: ADMIN,
    SILLAGE_LOG_LEVEL: 'warn',
    SILLAGE_SOURCES: JSON.stringify([{ id: 'bench', writeKey: WRITE_KEY, type: 'server' }]),
  }
  const sillage = await startProcess(['apps/sillage/dist/main.js', 'start'], {
    env,
    readyUrl: `${url}/healthz`,
  })
  try {
    const started = Date.now()
    const summary = execFileSync(
      process.execPath,
      ['apps/sillage/dist/main.js', 'import', file, '--kind', 'receipts'],
      {
        cwd: repoRoot,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    ).toString()
    const imported = Date.now()
    await waitFor(
      async () => Number((await query(url, 'SELECT count() AS n FROM sillage.orders'))[0].n) >= ROWS,
      {
        timeoutMs: 1_800_000,
        intervalMs: 1000,
        what: 'every receipt in ClickHouse',
      },
    )
    const landed = Date.now()
    const [t] = await query(
      url,
      'SELECT sum(orders) AS orders, round(sum(revenue), 2) AS revenue FROM sillage.store_daily_kpis',
    )
    process.stdout.write(summary)
    console.log(
      `import acknowledged by the collector: ${((imported - started) / 1000).toFixed(1)} s (${Math.round(ROWS / ((imported - started) / 1000)).toLocaleString('en-US')} rows/s)`,
    )
    console.log(
      `every receipt queryable (orders view): ${((landed - started) / 1000).toFixed(1)} s (${Math.round(ROWS / ((landed - started) / 1000)).toLocaleString('en-US')} rows/s end to end)`,
    )
    console.log(`store_daily_kpis: ${t.orders} orders, revenue ${t.revenue}`)
  } finally {
    await sillage.stop()
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
