// Draws an overview (GET /dashboard/api/overview) into the page. Every value that comes from the
// data (sources, product names, person ids, segments) is written with textContent: never parsed
// as HTML.
import { $, el, nameCell, tableOf } from './dom.js'
import { renderCustomers } from './render-customers.js'
import { renderSeries } from './render-series.js'

export { renderSeries } from './render-series.js'

/** The language's words and formats, set by render(). */
let t
let fmt

/** A tile's value for the locale; null (no ratio, or an amount too large to add up) is "—". */
const value = (name, v) =>
  name.endsWith('Rate') ? fmt.pct(v) : name === 'revenue' || name === 'avgBasket' ? fmt.eur(v) : fmt.int(v)
/** A bar's width: a share of `max`, none for an unknown amount. */
const width = (v, max) => `${v === null ? 0 : (100 * v) / max}%`

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
  // The figures are kept up to 30 s (the server's cache): said, with the instant they were read.
  $('as-of').textContent = t('figuresAsOf').replace('{t}', fmt.time(o.asOf))
  $('as-of').dateTime = o.asOf
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

/** A split by source or channel; `others`: the sources past the table's bound, as one last row. */
function renderSplit(table, rows, others = null) {
  const max = Math.max(1, ...rows.map((r) => r.revenue ?? 0), others?.revenue ?? 0)
  const row = (r, label, className) => {
    const name = nameCell(label, className)
    const bar = el('span', undefined, 'minibar')
    bar.style.width = width(r.revenue, max)
    name.append(bar)
    return [name, fmt.int(r.visits), fmt.pct(r.conversionRate), fmt.eur(r.revenue)]
  }
  const body = rows.map((r) => row(r, r.key))
  if (others) body.push(row(others, t('otherSources').replace('{n}', fmt.int(others.sources)), 'others'))
  tableOf(table, ['', t('visits'), t('conversionRate'), t('revenue')], body)
}

function renderStores(o) {
  const max = Math.max(1, ...o.byStore.map((r) => r.revenue ?? 0))
  tableOf(
    $('by-store'),
    ['', t('orders'), t('revenue'), t('avgBasket')],
    o.byStore.map((r) => {
      const name = nameCell(r.storeId)
      const bar = el('span', undefined, 'minibar')
      bar.style.width = width(r.revenue, max)
      name.append(bar)
      return [name, fmt.int(r.orders), fmt.eur(r.revenue), fmt.eur(r.avgBasket)]
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

/** Draws everything; `ui`: { t, fmt, segmentName } of the chosen language. */
export function render(o, ui) {
  ;({ t, fmt } = ui)
  renderTiles(o)
  renderSeries(o, ui)
  renderFunnel(o)
  renderSplit($('by-source'), o.bySource, o.bySourceOthers)
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
  renderCustomers(o, ui)
  // A store's receipts have no visit: no data is no visit and no order. A shop that has sent no
  // event at all (no first day) is told how to start, not that its filters are wrong.
  const none = (name) => !o.tiles.find((x) => x.name === name)?.value
  const empty = none('visits') && none('orders')
  $('status').textContent = !empty ? '' : o.options?.firstDay ? t('noData') : t('noEvents')
}
