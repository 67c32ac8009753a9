/**
 * The inline snippet, before minification (the build writes dist/snippet.min.js): defines
 * `window.sillage` as a stub that records calls, then loads sdk.js asynchronously. The SDK replays
 * the recorded calls when it loads. The build replaces SILLAGE_SDK_URL with a placeholder that
 * sites and the demo fill in.
 */
declare const SILLAGE_SDK_URL: string
;((w: Window & { sillage?: unknown }, d: Document, url: string) => {
  const s = (w.sillage = (w.sillage || []) as unknown[] & Record<string, unknown>)
  if (s.init) return
  const consent: Record<string, unknown> = (s.consent = {})
  'init track page identify alias group reset flush productViewed productAdded productRemoved cartViewed checkoutStarted orderCompleted consent.grant consent.deny'
    .split(' ')
    .forEach((m) => {
      const [a, b] = m.split('.') as [string, string?]
      ;(b ? consent : s)[b || a] = function () {
        // eslint-disable-next-line prefer-rest-params
        s.push([m, arguments])
      }
    })
  const e = d.createElement('script')
  e.async = true
  e.src = url
  d.head.appendChild(e)
})(window, document, SILLAGE_SDK_URL)
