/**
 * The shape an admin's audience SQL must have to be pasted inside the consent wrapper
 * (audience-sql.ts compileSql), checked when the definitions are read:
 *
 * - one statement, no comment, and brackets that balance without ever closing one the query did
 *   not open. Otherwise `…)) AS q UNION ALL SELECT …` would close the wrapper's brackets and add
 *   members outside the marketing-consent intersection;
 * - no table function (`url()`, `file()`, `remote()`, `s3()`, `mysql()`, `executable()`, …: they
 *   reach outside the warehouse), and no `SETTINGS` clause (it could lift the read-only guard).
 *   A call is a table function when it follows FROM or JOIN, or is named in TABLE_FUNCTIONS
 *   (which catches `FROM t, url(…)` and the scalar `file()`). The members query is checked again
 *   by ClickHouse's own parser before it runs (adapters/audience-sql-guard.ts).
 *
 * String literals ('…', with backslash and doubled-quote escapes) are skipped; quoted identifiers
 * ("…", `…`) count as names. Returns the problem, or undefined. Pure.
 */

/** Table functions (lower case) that read or run something outside the warehouse's tables. */
const TABLE_FUNCTIONS = new Set(
  [
    'url',
    'urlCluster',
    'file',
    'fileCluster',
    'remote',
    'remoteSecure',
    'cluster',
    'clusterAllReplicas',
    's3',
    's3Cluster',
    'gcs',
    'oss',
    'cosn',
    'azureBlobStorage',
    'azureBlobStorageCluster',
    'hdfs',
    'hdfsCluster',
    'mysql',
    'postgresql',
    'sqlite',
    'mongodb',
    'redis',
    'odbc',
    'jdbc',
    'executable',
    'input',
    'deltaLake',
    'deltaLakeCluster',
    'hudi',
    'hudiCluster',
    'iceberg',
    'icebergS3',
    'icebergAzure',
    'icebergHDFS',
    'icebergLocal',
    'icebergCluster',
    'icebergS3Cluster',
    'paimon',
    'merge',
    'dictionary',
    'arrowFlight',
    'ytsaurus',
    'hive',
    'mergeTreeIndex',
    'loop',
    'view',
  ].map((n) => n.toLowerCase()),
)

export function sqlShapeProblem(body: string): string | undefined {
  let depth = 0
  /** The last word or punctuation seen (lower case), to tell `FROM x(` from `lower(`. */
  let previous = ''
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!
    let name: string | undefined
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1
      for (; j < body.length; j++) {
        if (body[j] === '\\') j++
        else if (body[j] === c) {
          if (body[j + 1] === c) j++
          else break
        }
      }
      if (j >= body.length) return 'a quote is not closed'
      if (c !== "'") name = body.slice(i + 1, j)
      else previous = 'literal'
      i = j
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i
      while (j + 1 < body.length && /\w/.test(body[j + 1]!)) j++
      name = body.slice(i, j + 1)
      i = j
      if (name.toLowerCase() === 'settings')
        return 'a SETTINGS clause is not allowed in an audience query (it could lift the read-only guard)'
    } else if (c === ';') return 'an audience query is one SELECT statement, without ";"'
    else if ((c === '-' && body[i + 1] === '-') || (c === '/' && body[i + 1] === '*') || c === '#')
      return 'comments are not allowed in an audience query'
    else if (c === '(') depth++
    else if (c === ')' && --depth < 0) return 'a ")" closes a bracket the query did not open'
    if (name !== undefined) {
      const lower = name.toLowerCase()
      const calls = /^\s*\(/.test(body.slice(i + 1, i + 40))
      if (calls && (TABLE_FUNCTIONS.has(lower) || previous === 'from' || previous === 'join'))
        return `a table function (${name}) is not allowed in an audience query: it reaches outside the warehouse; read the warehouse's tables`
      previous = lower
    } else if (!/\s/.test(c) && c !== "'") previous = c
  }
  return depth === 0 ? undefined : 'a "(" is not closed'
}
