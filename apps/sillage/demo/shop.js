// The demo shop: a catalogue (catalogue.js), search, a cart kept in sessionStorage (the shop's own,
// not Sillage's), a consent banner, a login and a newsletter sign-up. Every shopper action calls
// the Sillage SDK that the snippet in <head> loads. Text from the URL or a form is only ever
// written with textContent.
;(() => {
  const CURRENCY = 'EUR'
  const { CATEGORIES, PRODUCTS, picture } = window.demoCatalogue
  const byId = (id) => PRODUCTS.find((p) => p.product_id === id)
  const $ = (id) => document.getElementById(id)
  const money = (n) => `${n.toFixed(2).replace('.', ',')} €`
  const sillage = () => window.sillage
  /** What the SDK sends of a product: the Segment e-commerce fields, not the shop's own. */
  const tracked = ({ product_id, sku, name, category, price }) => ({ product_id, sku, name, category, price })

  const cart = {
    read() {
      try {
        return JSON.parse(sessionStorage.getItem('demo_cart') || '[]')
      } catch {
        return []
      }
    },
    write(lines) {
      sessionStorage.setItem('demo_cart', JSON.stringify(lines))
      showCount()
    },
    products() {
      return this.read()
        .filter((line) => byId(line.id))
        .map((line, i) => ({
          ...tracked(byId(line.id)),
          quantity: line.quantity,
          position: i + 1,
          currency: CURRENCY,
        }))
    },
    total(products) {
      return products.reduce((sum, p) => sum + p.price * p.quantity, 0)
    },
  }
  const showCount = () => {
    const n = cart.read().reduce((sum, l) => sum + l.quantity, 0)
    $('cart-count').textContent = n > 0 ? String(n) : ''
  }

  const el = (tag, text, attrs = {}) => {
    const node = document.createElement(tag)
    if (text !== undefined) node.textContent = text
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v)
    return node
  }
  const productUrl = (p) => `/demo/product.html?id=${encodeURIComponent(p.product_id)}`

  function card(p) {
    const li = el('li', undefined, { class: 'card' })
    const a = el('a', undefined, { href: productUrl(p) })
    a.append(picture(p, 220), el('span', p.name, { class: 'name' }))
    li.append(
      a,
      el('span', CATEGORIES.find((c) => c.id === p.category)?.name, { class: 'category' }),
      el('span', money(p.price), { class: 'price' }),
    )
    return li
  }

  /** A cart or checkout line: picture, name, unit price × quantity, line price. */
  function line(p, extra) {
    const li = el('li', undefined, { class: 'line' })
    const info = el('span', undefined, { class: 'info' })
    info.append(
      el('a', p.name, { href: productUrl(p) }),
      el('span', `${money(p.price)} × ${p.quantity}`, { class: 'unit' }),
    )
    li.append(
      picture(byId(p.product_id), 56),
      info,
      el('strong', money(p.price * p.quantity), { class: 'line-price' }),
    )
    if (extra) li.append(extra)
    return li
  }

  const pages = {
    index() {
      const list = $('products')
      const title = $('results-title')
      const render = () => {
        const params = new URLSearchParams(location.search)
        const category = params.get('category') || ''
        const query = (params.get('q') || '').trim().toLowerCase()
        const found = PRODUCTS.filter((p) => !category || p.category === category).filter(
          (p) => !query || `${p.name} ${p.description} ${p.category}`.toLowerCase().includes(query),
        )
        for (const a of document.querySelectorAll('[data-category]'))
          a.classList.toggle('active', a.dataset.category === category)
        $('search').value = params.get('q') || ''
        title.textContent = query
          ? `${found.length} result${found.length === 1 ? '' : 's'} for “${params.get('q')}”`
          : CATEGORIES.find((c) => c.id === category)?.name || 'All products'
        $('no-results').hidden = found.length > 0
        list.replaceChildren(...found.map(card))
        return { query, found }
      }
      // Categories and search are single-page navigations: history.pushState, no reload. The SDK
      // sends a page for each one by itself.
      const go = (href) => {
        history.pushState({}, '', href)
        return render()
      }
      for (const a of document.querySelectorAll('[data-category]')) {
        a.addEventListener('click', (e) => {
          e.preventDefault()
          go(a.getAttribute('href'))
        })
      }
      $('search-form').addEventListener('submit', (e) => {
        e.preventDefault()
        const q = $('search').value.trim()
        const { query, found } = go(q ? `/demo/?q=${encodeURIComponent(q)}` : '/demo/')
        if (query) sillage().track('Products Searched', { query: q, results: found.length })
      })
      addEventListener('popstate', render)
      // Arriving with ?q= (the header's search box on another page) is a search too.
      const first = render()
      if (first.query)
        sillage().track('Products Searched', { query: $('search').value, results: first.found.length })
      newsletter()
    },
    product() {
      const product = byId(new URLSearchParams(location.search).get('id') || '')
      if (!product) {
        $('product-name').textContent = 'No such product'
        $('add-to-cart').disabled = true
        return
      }
      document.title = `${product.name} · Sillage coast shop`
      $('product-name').textContent = product.name
      $('product-price').textContent = money(product.price)
      $('product-description').textContent = product.description
      $('product-category').textContent = CATEGORIES.find((c) => c.id === product.category)?.name || ''
      $('product-category').href = `/demo/?category=${encodeURIComponent(product.category)}`
      $('product-art').replaceChildren(picture(product, 420))
      sillage().productViewed({ ...tracked(product), currency: CURRENCY })
      $('add-to-cart').addEventListener('click', () => {
        const quantity = Math.max(1, Math.min(9, Number($('quantity').value) || 1))
        const lines = cart.read()
        const existing = lines.find((l) => l.id === product.product_id)
        if (existing) existing.quantity += quantity
        else lines.push({ id: product.product_id, quantity })
        cart.write(lines)
        sillage().productAdded({ ...tracked(product), quantity, currency: CURRENCY })
        $('added').hidden = false
      })
    },
    cart() {
      const render = () => {
        const products = cart.products()
        $('cart-empty').hidden = products.length > 0
        $('cart-summary').hidden = products.length === 0
        $('cart-total').textContent = money(cart.total(products))
        $('cart-subtotal').textContent = money(cart.total(products))
        $('cart-lines').replaceChildren(
          ...products.map((p) => {
            const remove = el('button', 'Remove', {
              type: 'button',
              class: 'link',
              'data-remove': p.product_id,
            })
            remove.addEventListener('click', () => {
              cart.write(cart.read().filter((l) => l.id !== p.product_id))
              sillage().productRemoved(p)
              render()
            })
            return line(p, remove)
          }),
        )
        return products
      }
      sillage().cartViewed({ cart_id: 'demo', products: render() })
    },
    checkout() {
      const products = cart.products()
      const revenue = cart.total(products)
      $('checkout-total').textContent = money(revenue)
      $('checkout-lines').replaceChildren(...products.map((p) => line(p)))
      const user = sessionStorage.getItem('demo_email')
      if (user) $('checkout-email').value = user
      sillage().checkoutStarted({ revenue, currency: CURRENCY, products })
      $('pay-form').addEventListener('submit', (e) => {
        e.preventDefault()
        const orderId = `o_${Date.now().toString(36)}`
        sillage().orderCompleted({ order_id: orderId, revenue, total: revenue, currency: CURRENCY, products })
        cart.write([])
        // Leaving at once: the SDK hands what is queued to sendBeacon on pagehide.
        location.href = `/demo/order.html?order=${encodeURIComponent(orderId)}`
      })
    },
    order() {
      $('order-id').textContent = new URLSearchParams(location.search).get('order') || ''
    },
    account() {
      const show = (userId) => {
        $('login-form').hidden = Boolean(userId)
        $('logged-in').hidden = !userId
        $('logged-in-user').textContent = userId || ''
      }
      show(sessionStorage.getItem('demo_user'))
      $('login-form').addEventListener('submit', (e) => {
        e.preventDefault()
        const userId = $('login-user').value.trim()
        const email = $('login-email').value.trim()
        if (!userId) return
        sessionStorage.setItem('demo_user', userId)
        if (email) sessionStorage.setItem('demo_email', email)
        sillage().identify(userId, email ? { email } : {})
        show(userId)
      })
      $('logout').addEventListener('click', () => {
        sessionStorage.removeItem('demo_user')
        sessionStorage.removeItem('demo_email')
        sillage().reset()
        show(null)
      })
    },
  }

  /** The newsletter sign-up: an identify with the email as a trait (no user id: not logged in). */
  function newsletter() {
    $('newsletter-form').addEventListener('submit', (e) => {
      e.preventDefault()
      const email = $('newsletter-email').value.trim()
      if (!email) return
      sillage().identify(undefined, { email, newsletter: true })
      $('newsletter-form').hidden = true
      $('newsletter-done').hidden = false
    })
  }

  // The consent banner. A refusal is remembered by the SDK's consent cookie, so the banner shows
  // only while the choice is pending; "Privacy settings" reopens it.
  const banner = () => {
    const box = $('consent-banner')
    const close = () => (box.hidden = true)
    $('consent-accept').addEventListener('click', () => {
      sillage().consent.grant(['analytics'])
      close()
    })
    $('consent-refuse').addEventListener('click', () => {
      sillage().consent.deny()
      close()
    })
    $('consent-settings').addEventListener('click', () => (box.hidden = false))
    const show = () => (box.hidden = sillage().consent.get?.().state !== 'pending')
    // consent.get() needs the script, which the snippet loads asynchronously (before `load`).
    if (document.readyState === 'complete') show()
    else addEventListener('load', show)
  }

  // "Bought together" (product page) and "Recently viewed", from the personalisation add-on: asked
  // only once consent is granted (the add-on checks), rendered with textContent; a failure or a
  // slow answer leaves the sections hidden. Products the catalogue does not know are left out.
  const personalize = () => {
    const addon = window.sillagePersonalize
    if (!addon || !$('recently-viewed')) return
    const here = new URLSearchParams(location.search).get('id') || undefined
    const productId = document.body.dataset.page === 'product' ? here : undefined
    const describe = (id) => {
      const p = id !== productId && byId(id)
      return p ? { name: p.name, href: productUrl(p), detail: money(p.price) } : undefined
    }
    addon.load({ productId }).then((res) => {
      if (!res) return
      if (res.bought_together)
        addon.render($('bought-together'), 'Bought together', res.bought_together, describe)
      addon.render($('recently-viewed'), 'Recently viewed', res.viewed_not_bought, describe)
    })
  }
  $('consent-accept').addEventListener('click', personalize)
  if (document.readyState === 'complete') personalize()
  else addEventListener('load', personalize)

  // The header's search box: on the home page a single-page search, elsewhere it loads /demo/?q=.
  const search = $('search-form')
  if (document.body.dataset.page !== 'index') {
    search.addEventListener('submit', (e) => {
      e.preventDefault()
      const q = $('search').value.trim()
      location.href = q ? `/demo/?q=${encodeURIComponent(q)}` : '/demo/'
    })
  }

  banner()
  showCount()
  pages[document.body.dataset.page]?.()
})()
