/** The placeholder string literal the snippet holds where sdk.js's URL goes. */
export const SNIPPET_URL_PLACEHOLDER: string
/** Builds the SDK with esbuild; writes dist/ unless `write` is false. */
export function buildSdk(options?: {
  write?: boolean
}): Promise<{ script: string; module: string; snippet: string; personalize: string }>
