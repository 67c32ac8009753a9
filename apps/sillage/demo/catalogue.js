// The demo shop's catalogue and its product pictures (inline SVG drawn from the constants below
// only: no value from the URL or the user ever reaches the markup).
;(() => {
  const CATEGORIES = [
    { id: 'mugs', name: 'Mugs & cups' },
    { id: 'apparel', name: 'Apparel' },
    { id: 'bags', name: 'Bags' },
    { id: 'home', name: 'Home' },
    { id: 'stationery', name: 'Stationery' },
  ]

  // prettier-ignore
  const PRODUCTS = [
    { product_id: 'mug-blue', sku: 'MUG-B', name: 'Blue mug', category: 'mugs', price: 12.5, art: ['mug', '#1f5f8b', '#e8f1f8'],
      description: 'A stoneware mug glazed in deep Atlantic blue, thrown in Brittany. 350 ml, dishwasher and microwave safe.' },
    { product_id: 'mug-red', sku: 'MUG-R', name: 'Red mug', category: 'mugs', price: 12.5, art: ['mug', '#b23a3a', '#f9ecea'],
      description: 'Our classic stoneware mug in harbour-buoy red. 350 ml, with a thumb-friendly handle.' },
    { product_id: 'cups-espresso', sku: 'CUP-E2', name: 'Espresso cups, set of 2', category: 'mugs', price: 16, art: ['cups', '#3d6b4f', '#eaf3ec'],
      description: 'Two 90 ml porcelain cups in seaweed green, for a short black on the terrace.' },
    { product_id: 'tee-wake', sku: 'TEE-W', name: 'Wake T-shirt', category: 'apparel', price: 25, art: ['tee', '#0b4f6c', '#e6f0f4'],
      description: 'Organic cotton T-shirt with the wake print on the chest. Relaxed fit, sizes XS to XXL.' },
    { product_id: 'cap-sail', sku: 'CAP-S', name: 'Sail cap', category: 'apparel', price: 18, art: ['cap', '#d9a441', '#fbf4e4'],
      description: 'Six-panel washed canvas cap with an embroidered sail. One size, adjustable strap.' },
    { product_id: 'hoodie-tide', sku: 'HOO-T', name: 'Tide hoodie', category: 'apparel', price: 49, art: ['hoodie', '#44546a', '#edf0f4'],
      description: 'Heavy brushed-fleece hoodie in slate grey, with a kangaroo pocket and flat drawcords.' },
    { product_id: 'tote-harbour', sku: 'BAG-T', name: 'Harbour tote bag', category: 'bags', price: 15, art: ['tote', '#c7b08a', '#f7f2ea'],
      description: 'Sturdy natural canvas tote, long handles, an inside pocket for keys. Carries a week of groceries.' },
    { product_id: 'bag-duffel', sku: 'BAG-D', name: 'Weekend duffel', category: 'bags', price: 69, art: ['duffel', '#24485f', '#e7eef3'],
      description: 'Waxed cotton duffel with leather handles and a shoulder strap. 38 litres: cabin size.' },
    { product_id: 'candle-sea', sku: 'HOM-C', name: 'Sea salt candle', category: 'home', price: 22, art: ['candle', '#7fb3c8', '#eef6f9'],
      description: 'Rapeseed wax candle scented with sea salt and driftwood, in a reusable glass. 40 hours.' },
    { product_id: 'throw-dune', sku: 'HOM-T', name: 'Dune throw', category: 'home', price: 45, art: ['throw', '#c98b5e', '#f8efe8'],
      description: 'Soft recycled-wool throw in dune stripes, 130 × 170 cm. For the sofa or the beach at dusk.' },
    { product_id: 'notebook-log', sku: 'STA-N', name: 'Logbook notebook', category: 'stationery', price: 9.5, art: ['notebook', '#2f6d5e', '#e9f2ef'],
      description: 'A5 notebook with a linen cover and 160 dotted pages of 100 g paper. Lies flat.' },
    { product_id: 'poster-chart', sku: 'STA-P', name: 'Tide chart poster', category: 'stationery', price: 19, art: ['poster', '#0b4f6c', '#f3f6f8'],
      description: 'A 30 × 40 cm print of an old tide chart of the Gulf of Morbihan, on matte cotton paper.' },
  ]

  /** The picture of a product: a shape per kind, in its colours. */
  const SHAPES = {
    mug: (c) =>
      `<rect x="28" y="30" width="40" height="46" rx="6" fill="${c}"/><path d="M68 40h8a9 9 0 0 1 0 18h-8" fill="none" stroke="${c}" stroke-width="6"/><rect x="28" y="30" width="40" height="6" fill="#fff" opacity=".25"/>`,
    cups: (c) =>
      `<path d="M16 44h26l-3 22H19z" fill="${c}"/><path d="M42 48h4a5 5 0 0 1 0 10h-4" fill="none" stroke="${c}" stroke-width="3"/><rect x="12" y="66" width="34" height="4" rx="2" fill="${c}" opacity=".5"/><path d="M52 44h26l-3 22H55z" fill="${c}"/><path d="M78 48h4a5 5 0 0 1 0 10h-4" fill="none" stroke="${c}" stroke-width="3"/><rect x="48" y="66" width="34" height="4" rx="2" fill="${c}" opacity=".5"/>`,
    tee: (c) =>
      `<path d="M34 22l-18 10 7 14 9-5v39h36V41l9 5 7-14-18-10c-2 6-8 9-16 9s-14-3-16-9z" fill="${c}"/><path d="M38 52c6 4 14 4 20 0" stroke="#fff" stroke-width="3" fill="none" opacity=".8"/>`,
    cap: (c) =>
      `<path d="M22 58c0-18 12-30 28-30s28 12 28 30z" fill="${c}"/><path d="M50 58h36c0 6-8 9-18 9H50z" fill="${c}" opacity=".75"/><circle cx="50" cy="28" r="3" fill="${c}"/><path d="M44 50l6-14 6 14z" fill="#fff" opacity=".8"/>`,
    hoodie: (c) =>
      `<path d="M36 24c4-6 20-6 24 0l16 10 6 40H68v6H28v-6H14l6-40z" fill="${c}"/><path d="M38 24c2 10 18 10 20 0" fill="none" stroke="#fff" stroke-width="2" opacity=".6"/><rect x="36" y="56" width="24" height="12" rx="3" fill="#000" opacity=".15"/>`,
    tote: (c) =>
      `<path d="M36 40v-8a12 12 0 0 1 24 0v8" fill="none" stroke="${c}" stroke-width="4"/><path d="M24 40h48l-4 40H28z" fill="${c}"/><path d="M40 58l8-8 8 8-8 8z" fill="#fff" opacity=".7"/>`,
    duffel: (c) =>
      `<path d="M36 40c0-8 24-8 24 0" fill="none" stroke="#7a4b2a" stroke-width="4"/><rect x="14" y="40" width="68" height="34" rx="16" fill="${c}"/><rect x="14" y="52" width="68" height="4" fill="#7a4b2a"/><circle cx="48" cy="54" r="3" fill="#d9c3a5"/>`,
    candle: (c) =>
      `<path d="M48 18c5 7 5 11 0 14-5-3-5-7 0-14z" fill="#f0a33a"/><rect x="46" y="32" width="4" height="6" fill="#333"/><rect x="30" y="38" width="36" height="40" rx="5" fill="${c}" opacity=".55"/><rect x="30" y="46" width="36" height="32" rx="4" fill="#fff" opacity=".6"/><rect x="36" y="56" width="24" height="10" fill="${c}"/>`,
    throw: (c) =>
      `<rect x="20" y="22" width="56" height="52" rx="4" fill="${c}"/><rect x="20" y="34" width="56" height="6" fill="#fff" opacity=".5"/><rect x="20" y="50" width="56" height="6" fill="#fff" opacity=".5"/><rect x="20" y="66" width="56" height="4" fill="#fff" opacity=".5"/><path d="M22 74v6M30 74v6M38 74v6M46 74v6M54 74v6M62 74v6M70 74v6" stroke="${c}" stroke-width="2"/>`,
    notebook: (c) =>
      `<rect x="28" y="20" width="42" height="58" rx="3" fill="${c}"/><rect x="28" y="20" width="6" height="58" fill="#000" opacity=".2"/><rect x="40" y="32" width="22" height="8" rx="1" fill="#fff" opacity=".8"/><path d="M64 20v24l-4-3-4 3V20" fill="#d9a441"/>`,
    poster: (c) =>
      `<rect x="24" y="18" width="48" height="62" fill="#fff" stroke="#c9d2dc"/><path d="M30 56c8-10 14 4 22-6s12 2 14-4" fill="none" stroke="${c}" stroke-width="2"/><path d="M30 66c8-8 14 4 22-4s12 2 14-3" fill="none" stroke="${c}" stroke-width="2" opacity=".6"/><circle cx="58" cy="32" r="6" fill="${c}" opacity=".8"/>`,
  }

  /** The product's picture as an <svg> element (static markup: the shapes and colours above). */
  function picture(product, size) {
    const [kind, colour, background] = product.art
    const wrap = document.createElement('span')
    wrap.className = 'art'
    wrap.innerHTML = `<svg viewBox="0 0 96 96" width="${size}" height="${size}" role="img" aria-hidden="true"><rect width="96" height="96" fill="${background}"/>${SHAPES[kind](colour)}</svg>`
    return wrap
  }

  window.demoCatalogue = { CATEGORIES, PRODUCTS, picture }
})()
