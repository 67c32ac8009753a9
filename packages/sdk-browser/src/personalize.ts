// The optional personalisation add-on (docs/sdk-browser.md#personalisation), built on its own into
// sillage-personalize.min.js, served at /sdk-personalize.js: sillage.min.js does not grow. It reads
// the visitor's own recommendations from the browser-safe route (keyed by the first-party sil_aid
// cookie) and renders product lists into the shop's containers with textContent only. Nothing is
// requested before consent is granted; a failure or a timeout answers null and leaves the page as
// it was. No dependency, not even on the core: it reads the consent state through window.sillage.

/** One recommended or viewed product, as the route answers it. */
export interface PersonalItem {
  product_id: string
  reason?: string
  score?: number
  last_viewed_at?: string
}

export interface Personalization {
  recommended_products: PersonalItem[]
  viewed_not_bought: PersonalItem[]
  /** Present when `productId` was asked: the product's bought-together (then viewed-together, popular). */
  bought_together?: PersonalItem[]
  cart_item_count: number
}

export interface LoadOptions {
  /** The browser source's write key; default: the add-on script tag's `data-write-key`. */
  writeKey?: string
  /** The collector; default: where the add-on script came from. */
  host?: string
  /** A product page's product: adds `bought_together`. */
  productId?: string
  limit?: number
  /** Give up after this long (default 1500 ms): the page never waits on Sillage. */
  timeoutMs?: number
}

/** How the shop shows a product id: its name and link, or undefined to leave it out. */
export type Describe = (productId: string) => { name: string; href: string; detail?: string } | undefined

export interface SillagePersonalize {
  load(options?: LoadOptions): Promise<Personalization | null>
  render(
    container: HTMLElement | null,
    title: string,
    items: readonly PersonalItem[],
    describe: Describe,
  ): boolean
}

type ConsentReader = { consent?: { get?: () => { state: string } } }

/** `href` resolved against the page, or undefined when it is not a URL. */
function safeUrl(href: string): URL | undefined {
  try {
    return new URL(href, location.href)
  } catch {
    return undefined
  }
}

/** The add-on, bound to its script tag's attributes. */
export function createPersonalize(script: HTMLScriptElement | null): SillagePersonalize {
  const origin = script ? new URL(script.src).origin : ''
  const key = script?.dataset.writeKey
  return {
    async load(o = {}) {
      const sillage = (window as unknown as { sillage?: ConsentReader }).sillage
      if (sillage?.consent?.get?.().state !== 'granted') return null
      const q = new URLSearchParams({ writeKey: o.writeKey || key || '', limit: String(o.limit || 4) })
      if (o.productId) q.set('product_id', o.productId)
      try {
        const res = await fetch(`${(o.host || origin).replace(/\/$/, '')}/v1/me/recommendations?${q}`, {
          credentials: 'include',
          signal: AbortSignal.timeout(o.timeoutMs || 1500),
        })
        const body = res.ok ? ((await res.json()) as Personalization) : null
        return body && Array.isArray(body.recommended_products) ? body : null
      } catch {
        return null
      }
    },
    render(container, title, items, describe) {
      const list = document.createElement('ul')
      for (const item of items) {
        const p = describe(item.product_id)
        if (!p) continue
        const li = document.createElement('li')
        const a = document.createElement('a')
        // Only a web link: an href the shop took from event or catalogue data (`javascript:…`)
        // would run in the page when clicked. Any other scheme leaves the name unlinked.
        const url = safeUrl(p.href)
        if (url && /^https?:$/.test(url.protocol)) a.href = url.href
        a.textContent = p.name
        li.append(a)
        if (p.detail) {
          const span = document.createElement('span')
          span.textContent = p.detail
          li.append(span)
        }
        list.append(li)
      }
      if (!container || !list.firstChild) return false
      const h = document.createElement('h2')
      h.textContent = title
      container.replaceChildren(h, list)
      container.hidden = false
      return true
    },
  }
}
