import { ConfigError } from '@sillage/runtime'
import { IdentityRulesError, parseIdentityRules, type IdentityRules } from '@sillage/identifiers'

/** SILLAGE_IDENTITY_RULES: JSON overriding identifier priorities and limits (docs/identity.md). */
export const IDENTITY_RULES_ENV_VARS: readonly string[] = ['SILLAGE_IDENTITY_RULES']

export function loadIdentityRules(env: Record<string, string | undefined>): IdentityRules {
  try {
    return parseIdentityRules(env['SILLAGE_IDENTITY_RULES'])
  } catch (err) {
    if (err instanceof IdentityRulesError) {
      throw new ConfigError(err.problems.map((p) => `SILLAGE_IDENTITY_RULES: ${p}`))
    }
    throw err
  }
}
