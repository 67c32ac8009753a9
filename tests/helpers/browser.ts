import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page, type Request } from 'playwright-core'

/** Debian's Chromium (apt-get install -y chromium). Never `playwright install`. */
export const CHROMIUM = '/usr/bin/chromium'

/**
 * Launches headless Chromium; throws (the tests fail, never skip) when it is not installed.
 * `userAgent` replaces the browser's own (`HeadlessChrome`, which the collector classes as a bot)
 * for every request, beacons included (a context's userAgent does not reach sendBeacon).
 */
export async function launchChromium(opts: { userAgent?: string } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: run apt-get install -y chromium (see README)`)
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
      ...(opts.userAgent ? [`--user-agent=${opts.userAgent}`] : []),
    ],
  })
}

/** Every request a page makes to the collector's event endpoints (/v1/…), in order. */
export function recordCollectorRequests(page: Page): Request[] {
  const requests: Request[] = []
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/v1/')) requests.push(r)
  })
  return requests
}

/** The batch bodies the page sent (fetch or beacon), parsed. */
export function batchEvents(requests: Request[]): Array<Record<string, unknown>> {
  return requests.flatMap((r) => {
    const body = r.postData()
    return body ? ((JSON.parse(body) as { batch?: Array<Record<string, unknown>> }).batch ?? []) : []
  })
}
