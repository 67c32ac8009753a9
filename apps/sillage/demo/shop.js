// The demo shop: a catalogue, a cart kept in sessionStorage (the shop's own, not Sillage's), a
// consent banner and a login. Every shopper action calls the Sillage SDK that the snippet in
// <head> loads. Text from the URL is only ever written with textContent.
;(() => {
  const CURRENCY = 'EUR'
  const PRODUCTS = [
    { product_id: 'mug-blue', sku: 'MUG-B', name: 'Blue mug', category: 'mugs', price: 12.5 },
    { product_id: 'mug-red', sku: 'MUG-R', name: 'Red mug', category: 'mugs', price: 12.5 },
    { product_id: 'tee-wake', sku: 'TEE-W', name: 'Wake T-shirt', category: 'apparel', price: 25 },
    { product_id: 'cap-sail', sku: 'CAP-S', name: 'Sail cap', category: 'apparel', price: 18 },
  ]
  const byId = (id) => PRODUCTS.find((p) => p.product_id === id)
  const $ = (id) => document.getElementById(id)
  const money = (n) => `${n.toFixed(2)} €`
  const sillage = () => window.sillage

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
    },
    products() {
      return this.read().map((line, i) => ({
        ...byId(line.id),
        quantity: line.quantity,
        position: i + 1,
        currency: CURRENCY,
      }))
    },
    total(products) {
      return products.reduce((sum, p) => sum + p.price * p.quantity, 0)
    },
  }

  const el = (tag, text, attrs = {}) => {
    const node = document.createElement(tag)
    if (text !== undefined) node.textContent = text
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v)
    return node
  }

  const pages = {
    index() {
      const list = $('products')
      const render = () => {
        const category = new URLSearchParams(location.search).get('category') || ''
        list.replaceChildren(
          ...PRODUCTS.filter((p) => !category || p.category === category).map((p) => {
            const li = el('li')
            li.append(el('a', p.name, { href: `/demo/product.html?id=${encodeURIComponent(p.product_id)}` }))
            li.append(el('span', money(p.price), { class: 'price' }))
            return li
          }),
        )
      }
      // The category filter is a single-page navigation: history.pushState, no reload. The SDK
      // sends a page for each one by itself.
      for (const a of document.querySelectorAll('[data-category]')) {
        a.addEventListener('click', (e) => {
          e.preventDefault()
          history.pushState({}, '', a.getAttribute('href'))
          render()
        })
      }
      addEventListener('popstate', render)
      render()
    },
    product() {
      const product = byId(new URLSearchParams(location.search).get('id') || '')
      if (!product) {
        $('product-name').textContent = 'No such product'
        $('add-to-cart').disabled = true
        return
      }
      document.title = `${product.name} · Sillage demo shop`
      $('product-name').textContent = product.name
      $('product-price').textContent = money(product.price)
      sillage().productViewed({ ...product, currency: CURRENCY })
      $('add-to-cart').addEventListener('click', () => {
        const quantity = Math.max(1, Math.min(9, Number($('quantity').value) || 1))
        const lines = cart.read()
        const line = lines.find((l) => l.id === product.product_id)
        if (line) line.quantity += quantity
        else lines.push({ id: product.product_id, quantity })
        cart.write(lines)
        sillage().productAdded({ ...product, quantity, currency: CURRENCY })
        $('added').hidden = false
      })
    },
    cart() {
      const render = () => {
        const products = cart.products()
        $('cart-empty').hidden = products.length > 0
        $('checkout').hidden = products.length === 0
        $('cart-total').textContent = money(cart.total(products))
        $('cart-lines').replaceChildren(
          ...products.map((p) => {
            const li = el('li', `${p.quantity} × ${p.name} `)
            const remove = el('button', 'Remove', { type: 'button', 'data-remove': p.product_id })
            remove.addEventListener('click', () => {
              cart.write(cart.read().filter((l) => l.id !== p.product_id))
              sillage().productRemoved(p)
              render()
            })
            li.append(remove)
            return li
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
      $('checkout-lines').replaceChildren(...products.map((p) => el('li', `${p.quantity} × ${p.name}`)))
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
        sillage().identify(userId, email ? { email } : {})
        show(userId)
      })
      $('logout').addEventListener('click', () => {
        sessionStorage.removeItem('demo_user')
        sillage().reset()
        show(null)
      })
    },
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

  banner()
  pages[document.body.dataset.page]?.()
})()
