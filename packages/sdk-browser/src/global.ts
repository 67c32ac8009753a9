import { createSillage } from './sillage.js'
import type { Sillage } from './types.js'

/** What the snippet leaves on `window.sillage` before the script loads: calls, in order. */
type Stub = Array<[string, ArrayLike<unknown>]>

type Method = (...args: unknown[]) => unknown

// The script tag build: replaces the snippet's stub with the SDK and replays the calls made before
// it loaded, `init` first, then the rest in order. The collector defaults to where sdk.js came from.
const w = window as unknown as { sillage?: Stub | Sillage }
const stub = w.sillage
if (!stub || Array.isArray(stub)) {
  const script = document.currentScript as HTMLScriptElement | null
  const sillage = createSillage(script ? new URL(script.src).origin : '')
  w.sillage = sillage
  // Array.prototype.sort is stable: init first, the rest in call order.
  for (const [name, args] of (stub || []).sort((x, y) => +(y[0] == 'init') - +(x[0] == 'init'))) {
    // `consent.grant` is sillage.consent.grant: the path is walked from the SDK.
    ;(name.split('.').reduce((o, k) => (o as Record<string, unknown>)[k], sillage as unknown) as Method)(
      ...(args as unknown[]),
    )
  }
}
