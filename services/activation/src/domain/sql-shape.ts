/**
 * The shape an admin's audience SQL must have to be pasted inside the consent wrapper
 * (audience-sql.ts compileSql): one statement, no comment, and brackets that balance without ever
 * closing one the query did not open. Otherwise `…)) AS q UNION ALL SELECT …` would close the
 * wrapper's brackets and add members outside the marketing-consent intersection. String literals
 * ('…', "…", `…`, with backslash and doubled-quote escapes) are skipped. Returns the problem, or
 * undefined. Pure.
 */
export function sqlShapeProblem(body: string): string | undefined {
  let depth = 0
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!
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
      i = j
    } else if (c === ';') return 'an audience query is one SELECT statement, without ";"'
    else if ((c === '-' && body[i + 1] === '-') || (c === '/' && body[i + 1] === '*') || c === '#')
      return 'comments are not allowed in an audience query'
    else if (c === '(') depth++
    else if (c === ')' && --depth < 0) return 'a ")" closes a bracket the query did not open'
  }
  return depth === 0 ? undefined : 'a "(" is not closed'
}
