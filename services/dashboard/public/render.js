/* global document, window, uPlot */
// Draws an overview (GET /dashboard/api/overview) into the page. Every value that comes from the
// data (sources, product names, person ids, segments) is written with textContent: never parsed
// as HTML.
import { bySegment } from './i18n.js'

const $ = (id) => document.getElementById(id)
// Okabe–Ito: distinguishable with every common colour-vision deficiency.
const OI = { orange: '#E69F00', blue: '#0072B2', vermillion: '#D55E00' }
/** The language's words and formats, set by render(). */
let t
let fmt
let segmentName
let chart

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

export function renderSeries(o) {
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
        // At least 0–5, so that a quiet range (a store has no visits) has whole-number ticks.
        n: { range: (_u, _min, max) => [0, Math.max(5, max)] },
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

function renderStores(o) {
  const max = Math.max(1, ...o.byStore.map((r) => r.revenue))
  tableOf(
    $('by-store'),
    ['', t('orders'), t('revenue'), t('avgBasket')],
    o.byStore.map((r) => {
      const name = el('td', r.storeId)
      const bar = el('span', undefined, 'minibar')
      bar.style.width = `${(100 * r.revenue) / max}%`
      name.append(bar)
      return [name, fmt.int(r.orders), fmt.eur(r.revenue), r.avgBasket === null ? '–' : fmt.eur(r.avgBasket)]
    }),
  )
  if (o.byStore.length === 0) {
    const row = el('tr')
    const cell = el('td', t('noStores'))
    cell.colSpan = 4
    row.append(cell)
    $('by-store').tBodies[0].append(row)
  }
}

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

function renderAudience(o) {
  const box = $('dormant-audience')
  box.replaceChildren()
  if (o.dormant.audiences.length === 0) {
    // No audience reactivates them yet: say how to define one (docs/activation.md).
    box.dataset.audience = ''
    box.append(el('span', t('noAudience')), ' ', el('code', 'rfm_segment = dormant'), ' · ')
    // The docs ship with the code, not with this process: name the file in the repository.
    box.append(el('span', t('seeDocs')), ' ', el('code', 'docs/activation.md'))
    return
  }
  box.dataset.audience = o.dormant.audiences.map((a) => a.id).join(' ')
  o.dormant.audiences.forEach((a, i) => {
    if (i > 0) box.append(el('br'))
    const synced = a.lastChangeAt
      ? fmt.day(a.lastChangeAt.slice(0, 10)) + ' ' + a.lastChangeAt.slice(11, 16) + ' UTC'
      : t('neverSynced')
    box.append(
      el('span', `${t('audience')} `),
      el('strong', a.name),
      el('span', ` · ${fmt.int(a.members)} ${t('members')} · ${t('lastSync')} ${synced}`),
    )
  })
}

function renderDormant(o) {
  $('dormant-summary').textContent = t('dormantSummary')
    .replace('{n}', fmt.int(o.dormant.people))
    .replace('{d}', fmt.day(o.filters.to))
  renderAudience(o)
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

/** Draws everything; `ui`: { t, fmt, segmentName } of the chosen language. */
export function render(o, ui) {
  ;({ t, fmt, segmentName } = ui)
  renderTiles(o)
  renderSeries(o)
  renderFunnel(o)
  renderSplit($('by-source'), o.bySource)
  renderSplit($('by-channel'), o.byChannel)
  renderStores(o)
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
  // A store's receipts have no visit: no data is no visit and no order.
  const none = (name) => !o.tiles.find((x) => x.name === name)?.value
  $('status').textContent = none('visits') && none('orders') ? t('noData') : ''
}
