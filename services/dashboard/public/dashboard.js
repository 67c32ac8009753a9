/* global document, window, history, location, navigator, URLSearchParams, uPlot, performance */
// The retail dashboard page. Every value that comes from the data (sources, product names, person
// ids, segments) is written with textContent or as an <option>'s text: never parsed as HTML.
'use strict'
;(() => {
  const $ = (id) => document.getElementById(id)
  // Okabe–Ito: distinguishable with every common colour-vision deficiency.
  const OI = { orange: '#E69F00', sky: '#56B4E9', green: '#009E73', blue: '#0072B2', vermillion: '#D55E00' }
  const T = {
    'en-GB': {
      title: 'dashboard',
      from: 'From',
      to: 'To',
      source: 'Source',
      channel: 'Channel',
      all: 'All',
      granularity: 'Series',
      byDay: 'by day',
      byWeek: 'by week',
      language: 'Language',
      signOut: 'Sign out',
      kpis: 'Key figures',
      series: 'Visits and revenue over time',
      funnel: 'Funnel (visits)',
      bySource: 'By source',
      byChannel: 'By channel',
      topProducts: 'Top products',
      rfm: 'RFM segments',
      transitions: 'Segment transitions',
      dormant: 'Dormant customers',
      loading: 'Loading…',
      visits: 'Visits',
      conversionRate: 'Conversion',
      avgBasket: 'Average basket',
      revenue: 'Revenue',
      orders: 'Orders',
      cartAbandonmentRate: 'Cart abandonment',
      bounceRate: 'Bounce',
      newCustomers: 'New customers',
      returningCustomers: 'Returning customers',
      vsPrevious: 'vs',
      views: 'Viewed a product',
      adds: 'Added to cart',
      checkouts: 'Started checkout',
      ordered: 'Ordered',
      sharePeople: 'share of people',
      shareRevenue: 'share of revenue',
      product: 'Product',
      units: 'Units',
      people: 'People',
      avgValue: 'Avg value',
      fromTo: 'from \\ to',
      asOf: 'as of',
      person: 'Person',
      lastOrder: 'Last order',
      days: 'Days',
      spent: 'Spent',
      dormantSummary: '{n} dormant customers as of {d}: reactivate them or let them go. Top 10 by value:',
      noData: 'No data for these filters.',
      failed: 'The dashboard could not load: ',
    },
    'fr-FR': {
      title: 'tableau de bord',
      from: 'Du',
      to: 'Au',
      source: 'Source',
      channel: 'Canal',
      all: 'Tous',
      granularity: 'Série',
      byDay: 'par jour',
      byWeek: 'par semaine',
      language: 'Langue',
      signOut: 'Se déconnecter',
      kpis: 'Chiffres clés',
      series: 'Visites et chiffre d’affaires',
      funnel: 'Entonnoir (visites)',
      bySource: 'Par source',
      byChannel: 'Par canal',
      topProducts: 'Meilleurs produits',
      rfm: 'Segments RFM',
      transitions: 'Matrice de passage',
      dormant: 'Clients dormants',
      loading: 'Chargement…',
      visits: 'Visites',
      conversionRate: 'Taux de conversion',
      avgBasket: 'Panier moyen',
      revenue: 'Chiffre d’affaires',
      orders: 'Commandes',
      cartAbandonmentRate: 'Abandon de panier',
      bounceRate: 'Taux de rebond',
      newCustomers: 'Nouveaux clients',
      returningCustomers: 'Clients fidèles',
      vsPrevious: 'vs',
      views: 'Ont vu un produit',
      adds: 'Ajout au panier',
      checkouts: 'Paiement commencé',
      ordered: 'Ont commandé',
      sharePeople: 'part des personnes',
      shareRevenue: 'part du chiffre d’affaires',
      product: 'Produit',
      units: 'Unités',
      people: 'Personnes',
      avgValue: 'Valeur moy.',
      fromTo: 'de \\ vers',
      asOf: 'au',
      person: 'Personne',
      lastOrder: 'Dernière commande',
      days: 'Jours',
      spent: 'Dépensé',
      dormantSummary:
        '{n} clients dormants au {d} : à réactiver ou à laisser partir. Les 10 premiers en valeur :',
      noData: 'Aucune donnée pour ces filtres.',
      failed: 'Le tableau de bord n’a pas pu se charger : ',
    },
  }
  const state = readUrl()
  const t = (key) => (T[state.lang] || T['en-GB'])[key] || key
  let fmt
  let overview
  let chart

  function readUrl() {
    const q = new URLSearchParams(location.search)
    const preferred = (navigator.language || '').toLowerCase().startsWith('fr') ? 'fr-FR' : 'en-GB'
    const lang = T[q.get('lang')] ? q.get('lang') : preferred
    return {
      from: q.get('from') || '',
      to: q.get('to') || '',
      source: q.get('source') || '',
      channel: q.get('channel') || '',
      granularity: q.get('granularity') === 'week' ? 'week' : 'day',
      lang,
    }
  }
  function query(withLang) {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(state)) if (v && (withLang || k !== 'lang')) q.set(k, v)
    return q.toString()
  }
  function formatters(lang) {
    const n = (o) => new Intl.NumberFormat(lang, o)
    return {
      int: n({ maximumFractionDigits: 0 }).format,
      eur: n({ style: 'currency', currency: 'EUR' }).format,
      eur0: n({ style: 'currency', currency: 'EUR', maximumFractionDigits: 0 }).format,
      pct: n({ style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format,
      signedPct: n({ style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format,
      points: (v) => `${n({ maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(v * 100)} pt`,
      day: (d) =>
        new Intl.DateTimeFormat(lang, {
          day: 'numeric',
          month: 'short',
          year: 'numeric',
          timeZone: 'UTC',
        }).format(new Date(`${d}T00:00:00Z`)),
      short: new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'short', timeZone: 'UTC' }).format,
    }
  }
  function el(tag, text, className) {
    const e = document.createElement(tag)
    if (text !== undefined && text !== null) e.textContent = String(text)
    if (className) e.className = className
    return e
  }
  function tableOf(table, head, rows) {
    table.replaceChildren()
    const tr = el('tr')
    head.forEach((h, i) => tr.append(el('th', h, i > 0 ? 'num' : '')))
    table.append(el('thead'))
    table.tHead.append(tr)
    const body = el('tbody')
    for (const r of rows) {
      const row = el('tr')
      r.forEach((c, i) =>
        c instanceof window.Node ? row.append(c) : row.append(el('td', c, i > 0 ? 'num' : '')),
      )
      body.append(row)
    }
    table.append(body)
  }
  const value = (name, v) =>
    v === null
      ? '–'
      : name.endsWith('Rate')
        ? fmt.pct(v)
        : name === 'revenue' || name === 'avgBasket'
          ? fmt.eur(v)
          : fmt.int(v)

  function renderTiles(o) {
    const box = $('tiles')
    box.replaceChildren()
    // Lower is better for these two: an increase is drawn as bad.
    const lowerIsBetter = new Set(['cartAbandonmentRate', 'bounceRate'])
    for (const tile of o.tiles) {
      const card = el('div', undefined, 'tile')
      card.dataset.tile = tile.name
      card.append(el('h3', t(tile.name)), el('p', value(tile.name, tile.value), 'value'))
      const c = tile.change
      const change = el('p', undefined, 'change')
      if (c === null) change.textContent = `${t('vsPrevious')} ${value(tile.name, tile.previous)}`
      else {
        const good = c === 0 ? 'flat' : c > 0 !== lowerIsBetter.has(tile.name) ? 'up' : 'down'
        change.classList.add(good)
        const arrow = c > 0 ? '▲ ' : c < 0 ? '▼ ' : '= '
        const delta = tile.name.endsWith('Rate') ? fmt.points(c) : fmt.signedPct(c)
        change.textContent = `${arrow}${delta} ${t('vsPrevious')} ${value(tile.name, tile.previous)}`
      }
      card.append(change)
      box.append(card)
    }
    $('period').textContent =
      `${fmt.day(o.filters.from)} – ${fmt.day(o.filters.to)} (${t('vsPrevious')} ${fmt.day(o.previous.from)} – ${fmt.day(o.previous.to)})`
  }

  function renderSeries(o) {
    const box = $('series')
    // The canvas is not readable by a screen reader: the container says what it shows.
    const visits = o.tiles.find((x) => x.name === 'visits')
    const revenue = o.tiles.find((x) => x.name === 'revenue')
    box.setAttribute('role', 'img')
    box.setAttribute(
      'aria-label',
      `${t('series')} (${t(o.filters.granularity === 'week' ? 'byWeek' : 'byDay')}), ${fmt.day(o.filters.from)} – ${fmt.day(o.filters.to)}: ` +
        `${t('visits')} ${value('visits', visits.value)}, ${t('revenue')} ${value('revenue', revenue.value)}`,
    )
    if (chart) chart.destroy()
    box.replaceChildren()
    const xs = o.series.map((p) => Date.parse(`${p.bucket}T00:00:00Z`) / 1000)
    const width = Math.max(280, box.clientWidth)
    chart = new uPlot(
      {
        width,
        height: width < 600 ? 220 : 300,
        legend: { live: false },
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        series: [
          { value: (_u, v) => (v === null ? '' : fmt.day(new Date(v * 1000).toISOString().slice(0, 10))) },
          {
            label: t('visits'),
            stroke: OI.blue,
            width: 2,
            scale: 'n',
            value: (_u, v) => (v === null ? '' : fmt.int(v)),
          },
          {
            label: t('revenue'),
            stroke: OI.vermillion,
            width: 2,
            dash: [6, 4],
            scale: 'eur',
            value: (_u, v) => (v === null ? '' : fmt.eur(v)),
          },
        ],
        axes: [
          { values: (_u, ticks) => ticks.map((v) => fmt.short(new Date(v * 1000))) },
          { scale: 'n', values: (_u, ticks) => ticks.map(fmt.int), size: 60 },
          {
            scale: 'eur',
            side: 1,
            grid: { show: false },
            values: (_u, ticks) => ticks.map(fmt.eur0),
            size: 80,
          },
        ],
        scales: {
          n: { range: (_u, _min, max) => [0, Math.max(1, max)] },
          eur: { range: (_u, _min, max) => [0, Math.max(1, max)] },
        },
      },
      [xs, o.series.map((p) => p.visits), o.series.map((p) => p.revenue)],
      box,
    )
  }

  function renderFunnel(o) {
    const list = $('funnel')
    list.replaceChildren()
    const top = Math.max(1, o.funnel[0].sessions)
    const names = {
      visits: 'visits',
      views: 'views',
      adds: 'adds',
      checkouts: 'checkouts',
      orders: 'ordered',
    }
    o.funnel.forEach((step, i) => {
      const li = el('li')
      li.dataset.step = step.step
      const prev = i === 0 ? null : o.funnel[i - 1].sessions
      const label = el('span', t(names[step.step]), 'label')
      const bar = el('span', undefined, 'bar')
      bar.style.width = `${(100 * step.sessions) / top}%`
      const figure = el(
        'span',
        `${fmt.int(step.sessions)}${prev ? ` · ${fmt.pct(step.sessions / prev)}` : ''}`,
        'figure',
      )
      li.append(label, el('span', undefined, 'track'), figure)
      li.children[1].append(bar)
      list.append(li)
    })
  }

  function renderSplit(table, rows) {
    const max = Math.max(1, ...rows.map((r) => r.revenue))
    tableOf(
      table,
      ['', t('visits'), t('conversionRate'), t('revenue')],
      rows.map((r) => {
        const name = el('td', r.key)
        const bar = el('span', undefined, 'minibar')
        bar.style.width = `${(100 * r.revenue) / max}%`
        name.append(bar)
        return [
          name,
          fmt.int(r.visits),
          r.conversionRate === null ? '–' : fmt.pct(r.conversionRate),
          fmt.eur(r.revenue),
        ]
      }),
    )
  }

  // The model's segment codes, best first (docs/analysts.md, rfm_at); '(new)': no order before.
  const SEGMENTS = [
    '(new)',
    'champions',
    'loyal',
    'promising',
    'need_attention',
    'at_risk',
    'hibernating',
    'dormant',
  ]
  const SEGMENT_NAMES = {
    'fr-FR': {
      '(new)': '(nouveaux)',
      champions: 'champions',
      loyal: 'fidèles',
      promising: 'prometteurs',
      need_attention: 'à surveiller',
      at_risk: 'à risque',
      hibernating: 'en sommeil',
      dormant: 'dormants',
    },
  }
  const segmentName = (s) => (SEGMENT_NAMES[state.lang] || {})[s] || s.replace(/_/g, ' ')
  const segmentRank = (s) => (SEGMENTS.includes(s) ? SEGMENTS.indexOf(s) : SEGMENTS.length)
  const bySegment = (a, b) => segmentRank(a) - segmentRank(b) || (a < b ? -1 : a > b ? 1 : 0)

  function renderRfm(o) {
    const box = $('rfm')
    box.replaceChildren()
    const total = Math.max(
      1,
      o.rfm.reduce((s, r) => s + r.people, 0),
    )
    const revenue = Math.max(
      1,
      o.rfm.reduce((s, r) => s + r.revenue, 0),
    )
    const rows = [...o.rfm].sort((a, b) => bySegment(a.segment, b.segment))
    for (const r of rows) {
      const card = el('div', undefined, 'segment')
      card.dataset.segment = r.segment
      card.append(el('h3', segmentName(r.segment)))
      card.append(
        el('p', `${fmt.int(r.people)} ${t('people').toLowerCase()} · ${fmt.pct(r.people / total)}`, 'value'),
      )
      card.append(el('p', `${t('revenue')} ${fmt.eur0(r.revenue)} · ${fmt.pct(r.revenue / revenue)}`))
      card.append(el('p', `${t('avgValue')} ${fmt.eur(r.avgValue)}`))
      const size = el('span', undefined, 'share people')
      size.style.width = `${(100 * r.people) / total}%`
      const val = el('span', undefined, 'share money')
      val.style.width = `${(100 * r.revenue) / revenue}%`
      card.append(size, val)
      box.append(card)
    }
    $('rfm-asof').textContent = `${t('asOf')} ${fmt.day(o.filters.to)}`
  }

  function renderTransitions(o) {
    const segs = [...new Set(o.transitions.flatMap((c) => [c.from, c.to]))].sort(bySegment)
    const froms = segs.filter((s) => o.transitions.some((c) => c.from === s))
    const tos = segs.filter((s) => o.transitions.some((c) => c.to === s))
    const cellOf = new Map(o.transitions.map((c) => [`${c.from}\u0000${c.to}`, c]))
    tableOf(
      $('transitions'),
      [t('fromTo'), ...tos.map(segmentName)],
      froms.map((f) => [
        el('th', segmentName(f)),
        ...tos.map((to) => {
          const c = cellOf.get(`${f}\u0000${to}`)
          const td = el('td', c ? `${fmt.int(c.people)} · ${fmt.pct(c.share)}` : '', 'num')
          // One hue (Okabe–Ito blue), lightness by share: readable without colour vision.
          const s = c ? c.share : 0
          td.style.backgroundColor = `rgba(0, 114, 178, ${(0.08 + 0.85 * s).toFixed(3)})`
          if (s > 0.45) td.style.color = '#fff'
          return td
        }),
      ]),
    )
    $('tr-period').textContent = `${fmt.day(o.filters.from)} → ${fmt.day(o.filters.to)}`
  }

  function renderDormant(o) {
    $('dormant-summary').textContent = t('dormantSummary')
      .replace('{n}', fmt.int(o.dormant.people))
      .replace('{d}', fmt.day(o.filters.to))
    tableOf(
      $('dormant'),
      [t('person'), t('lastOrder'), t('days'), t('orders'), t('spent')],
      o.dormant.top.map((p) => [
        p.personId,
        fmt.day(p.lastOrderDay),
        fmt.int(p.recencyDays),
        fmt.int(p.orders),
        fmt.eur(p.monetary),
      ]),
    )
  }

  function render(o) {
    overview = o
    renderTiles(o)
    renderSeries(o)
    renderFunnel(o)
    renderSplit($('by-source'), o.bySource)
    renderSplit($('by-channel'), o.byChannel)
    tableOf(
      $('products'),
      [t('product'), t('orders'), t('units'), t('revenue')],
      o.topProducts.map((p) => [
        p.name || p.productId,
        fmt.int(p.orders),
        fmt.int(p.units),
        fmt.eur(p.revenue),
      ]),
    )
    renderRfm(o)
    renderTransitions(o)
    renderDormant(o)
    $('status').textContent = o.tiles[0].value === 0 ? t('noData') : ''
  }

  function translate() {
    document.documentElement.lang = state.lang.slice(0, 2)
    for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n)
    fmt = formatters(state.lang)
  }

  async function getJson(path) {
    const res = await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } })
    if (res.status === 401) location.reload()
    const body = await res.json()
    if (!res.ok) throw new Error(body.message || res.statusText)
    return body
  }

  async function load() {
    history.replaceState(null, '', `?${query(true)}`)
    $('status').textContent = t('loading')
    document.body.dataset.state = 'loading'
    try {
      const o = await getJson(`/dashboard/api/overview?${query(false)}`)
      state.from = o.filters.from
      state.to = o.filters.to
      $('from').value = state.from
      $('to').value = state.to
      history.replaceState(null, '', `?${query(true)}`)
      fillOptions(o.options)
      render(o)
      document.body.dataset.state = 'ready'
      performance.mark('dashboard-rendered')
    } catch (err) {
      $('status').textContent = t('failed') + err.message
      document.body.dataset.state = 'error'
    }
  }

  function fillOptions(options) {
    for (const [k, list] of [
      ['source', options.sources],
      ['channel', options.channels],
    ]) {
      const select = $(k)
      while (select.options.length > 1) select.remove(1)
      for (const v of list) select.append(new window.Option(v, v))
      select.value = list.includes(state[k]) ? state[k] : ''
    }
  }

  async function init() {
    translate()
    for (const k of ['from', 'to', 'granularity', 'lang']) $(k).value = state[k]
    $('filters').addEventListener('change', (e) => {
      state[e.target.name] = e.target.value
      if (e.target.name === 'lang') {
        translate()
        if (overview) render(overview)
        history.replaceState(null, '', `?${query(true)}`)
      } else void load()
    })
    let resize
    window.addEventListener('resize', () => {
      window.clearTimeout(resize)
      resize = window.setTimeout(() => overview && renderSeries(overview), 150)
    })
    await load()
  }

  init().catch((err) => {
    $('status').textContent = t('failed') + err.message
    document.body.dataset.state = 'error'
  })
})()
