import type { Warehouse } from '@sillage/warehouse'
import { RuleCompileError, type CompiledQuery } from '../domain/audience-sql.js'

/** Scalar functions that read outside the warehouse too (`file()` reads the server's files). */
const OUTSIDE_FUNCTIONS = new Set(['file'])

/**
 * The problem ClickHouse's own parser finds in an SQL audience's members query, or undefined:
 * `EXPLAIN AST` (parsed, never run) walked for a table function (a `TableExpression` whose child
 * is a `Function`: url, file, remote, s3, mysql, executable, input, numbers…), a `SETTINGS` clause
 * (a `Set` node) or a scalar `file()`. A second, engine-side check behind sql-shape.ts's: the
 * engine's grammar, not a scanner's idea of it. The query is one statement (sql-shape.ts refused
 * `;` before), so EXPLAIN cannot run a second one.
 */
export function astProblem(explain: readonly string[]): string | undefined {
  for (let i = 0; i < explain.length; i++) {
    const line = explain[i]!
    const node = line.trimStart()
    const depth = line.length - node.length
    const [kind = '', name = ''] = node.split(' ')
    if (kind === 'Set') return 'a SETTINGS clause is not allowed in an audience query'
    if (kind === 'Function' && OUTSIDE_FUNCTIONS.has(name.toLowerCase()))
      return `the function ${name} is not allowed in an audience query: it reaches outside the warehouse`
    if (kind === 'TableExpression') {
      const child = explain[i + 1]?.trimStart() ?? ''
      const childDepth = (explain[i + 1]?.length ?? 0) - child.length
      if (childDepth === depth + 1 && child.startsWith('Function '))
        return `a table function (${child.split(' ')[1]}) is not allowed in an audience query: it reaches outside the warehouse`
    }
  }
  return undefined
}

/** Asks the warehouse to parse an SQL audience's query; throws SIL_AUDIENCE_RULE when refused. */
export function createAudienceSqlGuard(warehouse: Warehouse) {
  return async function check(q: CompiledQuery): Promise<void> {
    const rs = await warehouse.client.query({
      query: `EXPLAIN AST ${q.sql}`,
      query_params: q.params,
      format: 'JSONEachRow',
    })
    // A server answers `{ explain }` rows; chDB's connection, the bare strings of its one column.
    const rows = await rs.json<{ explain: string } | string>()
    const problem = astProblem(rows.map((r) => (typeof r === 'string' ? r : r.explain)))
    if (problem !== undefined) throw new RuleCompileError(problem)
  }
}
