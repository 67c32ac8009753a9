import { readFileSync } from 'node:fs'
import {
  encodeMappingHeader,
  MAPPING_HEADER,
  type FileFormat,
  type ImportKind,
  type ImportSummary,
  type ResolvedMapping,
} from '@sillage/imports'
import { UPLOADED } from './admin-imports.route.js'

export interface ImportUpload {
  /** The running `sillage start`'s base URL. */
  url: string
  token: string
  kind: ImportKind
  format: FileFormat
  /** The file, sent as it is (a gzip or zstd file too: the server reads its first bytes). */
  input: string
  /** Sent when the user gave one (`--mapping`). */
  mapping?: ResolvedMapping | undefined
}

/**
 * Sends a file to the running start's admin upload (`POST /admin/imports`), the mapping in its
 * header as ASCII-only JSON (a column named `顧客ID` cannot travel in a header otherwise).
 */
export async function uploadImport(u: ImportUpload): Promise<ImportSummary> {
  const res = await fetch(`${u.url}/admin/imports?kind=${u.kind}&format=${u.format}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${u.token}`,
      'content-type': 'application/octet-stream',
      ...(u.mapping && { [MAPPING_HEADER]: encodeMappingHeader(u.mapping) }),
    },
    body: readFileSync(u.input),
  })
  const text = await res.text()
  if (!res.ok) {
    // A refusal with a SIL_ code names the file as the user gave it; anything else as it came.
    let refusal: { code?: unknown; message?: unknown } | undefined
    try {
      refusal = JSON.parse(text) as typeof refusal
    } catch {
      refusal = undefined
    }
    if (typeof refusal?.code === 'string' && typeof refusal.message === 'string')
      throw new Error(`import: ${refusal.message.replaceAll(UPLOADED, u.input)}`)
    throw new Error(`import: the running sillage start refused the upload (${res.status}): ${text}`)
  }
  return JSON.parse(text) as ImportSummary
}
