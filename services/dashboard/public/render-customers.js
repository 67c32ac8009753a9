// Draws the customer sections of an overview: RFM segments, their transitions, the dormant
// customers and the audiences that reactivate them. Every value from the data is written with
// textContent (dom.js): never parsed as HTML.
import { $, el, escapeBidi, tableOf } from './dom.js'
import { bySegment } from './i18n.js'

/** The language's words and formats, set by renderCustomers(). */
let t
let fmt
let segmentName

function renderRfm(o) {
  const box = $('rfm')
  box.replaceChildren()
  const total = Math.max(
    1,
    o.rfm.reduce((s, r) => s + r.people, 0),
  )
  // An amount too large to add up (null, or a sum past the largest double) makes the total, and
  // so every share of it, unknown.
  const sum = o.rfm.reduce((s, r) => (r.revenue === null ? NaN : s + r.revenue), 0)
  const revenue = Number.isFinite(sum) ? Math.max(1, sum) : null
  const share = (v) => (v === null || revenue === null ? null : v / revenue)
  const rows = [...o.rfm].sort((a, b) => bySegment(a.segment, b.segment))
  for (const r of rows) {
    const card = el('div', undefined, 'segment')
    card.dataset.segment = r.segment
    card.append(el('h3', segmentName(r.segment)))
    card.append(
      el('p', `${fmt.int(r.people)} ${t('people').toLowerCase()} · ${fmt.pct(r.people / total)}`, 'value'),
    )
    card.append(el('p', `${t('revenue')} ${fmt.eur0(r.revenue)} · ${fmt.pct(share(r.revenue))}`))
    card.append(el('p', `${t('avgValue')} ${fmt.eur(r.avgValue)}`))
    const size = el('span', undefined, 'share people')
    size.style.width = `${(100 * r.people) / total}%`
    const val = el('span', undefined, 'share money')
    val.style.width = `${100 * (share(r.revenue) ?? 0)}%`
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
    // "last change synced <when>", or, never synced, only "not synced yet": the two phrases
    // glued together read "last change synced not synced yet".
    const synced = a.lastChangeAt
      ? `${t('lastSync')} ${fmt.day(a.lastChangeAt.slice(0, 10))} ${a.lastChangeAt.slice(11, 16)} UTC`
      : t('neverSynced')
    box.append(
      el('span', `${t('audience')} `),
      el('strong', escapeBidi(a.name)),
      el('span', ` (${t(a.source === 'api' ? 'fromApi' : 'fromFile')})`),
      el('span', ` · ${fmt.int(a.members)} ${t('members')} · ${synced}`),
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

/** Draws the customer sections; `ui`: { t, fmt, segmentName } of the chosen language. */
export function renderCustomers(o, ui) {
  ;({ t, fmt, segmentName } = ui)
  renderRfm(o)
  renderTransitions(o)
  renderDormant(o)
}
