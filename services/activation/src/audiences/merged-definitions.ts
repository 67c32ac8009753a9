import { existsSync, readFileSync } from 'node:fs'
import type { Warehouse } from '@sillage/warehouse'
import { createAudienceDefStore } from '../adapters/clickhouse-audience-defs.js'
import {
  EMPTY_DEFINITIONS,
  parseActivationFile,
  type ActivationDefinitions,
} from '../domain/activation-file.js'
import { mergeDefinitions, type MergedDefinitions } from '../domain/merge-definitions.js'

/** Reads the activation file; a missing file means nothing is defined. */
export function readDefinitions(file: string): ActivationDefinitions {
  return existsSync(file) ? parseActivationFile(readFileSync(file, 'utf8')) : EMPTY_DEFINITIONS
}

/**
 * The activation file and the admin API's audiences (activation_audiences), both read now and
 * merged as the runner merges them (mergeDefinitions). For readers outside the runner: `sillage
 * audiences list`, and the dashboard through `sillage start`'s composition. Throws
 * ActivationFileError on a bad file.
 */
export async function readMergedDefinitions(deps: {
  warehouse: Warehouse
  /** The activation file (ActivationOptions.file). */
  file: string
}): Promise<MergedDefinitions> {
  const file = readDefinitions(deps.file)
  return mergeDefinitions(file, await createAudienceDefStore(deps.warehouse).latest())
}
