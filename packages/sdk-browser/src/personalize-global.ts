import { createPersonalize } from './personalize.js'

// The script tag build of the add-on: `window.sillagePersonalize`, bound to its own <script>.
;(window as unknown as { sillagePersonalize: unknown }).sillagePersonalize = createPersonalize(
  document.currentScript as HTMLScriptElement | null,
)
