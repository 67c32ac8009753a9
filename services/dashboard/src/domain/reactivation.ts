/**
 * Which audiences (the activation file's and the admin API's, docs/activation.md) reactivate
 * dormant customers: those
 * whose rule admits the RFM segment `dormant` (`rfm_segment = dormant`, or `in (…, dormant, …)`)
 * outside any `not`. SQL audiences are opaque and never match. Pure; the rule's AST has the shape
 * of @sillage/activation's RuleNode (declared here so the dashboard does not depend on it).
 */
export type RuleAst =
  | { kind: 'and'; items: RuleAst[] }
  | { kind: 'or'; items: RuleAst[] }
  | { kind: 'not'; item: RuleAst }
  | { kind: 'truthy'; attr: string }
  | { kind: 'compare'; attr: string; op: string; value: string | number | boolean }
  | { kind: 'in'; attr: string; negated: boolean; values: Array<string | number | boolean> }

export interface AudienceSummary {
  id: string
  name?: string | undefined
  ast?: RuleAst | undefined
  /** Where it is defined: the activation file or the admin API (`/admin/audiences`). */
  source?: 'file' | 'api' | undefined
}

export function selectsDormant(node: RuleAst): boolean {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.items.some(selectsDormant)
    case 'not':
      return false
    case 'truthy':
      return false
    case 'compare':
      return node.attr === 'rfm_segment' && node.op === '=' && node.value === 'dormant'
    case 'in':
      return node.attr === 'rfm_segment' && !node.negated && node.values.includes('dormant')
  }
}

/** The audiences of `all` that select dormant customers, in their order (the file's, then the API's). */
export function reactivationAudiences<A extends AudienceSummary>(all: readonly A[]): A[] {
  return all.filter((a) => a.ast !== undefined && selectsDormant(a.ast))
}
