/* global uPlot, window */
// The time series of an overview: the chart (uPlot), the note that names its partial buckets, and
// the series as a table. A partial bucket (a week the range, the data or today cuts; today, by
// day) is hatched on the chart with hollow points, and said in words in the note, the table and
// the chart's text summary: never by colour alone.
import { $, el, tableOf } from './dom.js'

// Okabe–Ito: distinguishable with every common colour-vision deficiency.
const OI = { blue: '#0072B2', vermillion: '#D55E00' }
let chart
/** The language's words and formats, kept for a redraw on resize. */
let ui

/**
 * The time axis' ticks: the buckets' own instants (a day's or a Monday's midnight), every `step`-th
 * so that labels stay `space` px apart. uPlot's own time ticks fall every few hours on a short
 * range, and a label per tick wrote each day several times.
 */
export function bucketTicks(xs, plotWidth, space = 64) {
  const step = Math.ceil(xs.length / Math.max(1, Math.floor(plotWidth / space)))
  return xs.filter((_, i) => i % step === 0)
}
/**
 * The value axes' steps: whole numbers only (1, 2, 5, 10, 20, 50, …). uPlot's own steps go down to
 * 0.1, and a quiet range's revenue axis (0 to €1) read "€0 €0 €0 €1 €1 €1" once rounded to euros.
 */
const WHOLE_STEPS = Array.from({ length: 308 }, (_, e) => [1, 2, 5].map((m) => m * 10 ** e)).flat()

/** "partial week (Mon 1 – Wed 3)", "week so far (Mon 30 – Wed 2)", "today so far"; '' if whole. */
export function partialLabel(p, granularity, { t, fmt }) {
  if (!p) return ''
  if (granularity === 'day') return t('daySoFar')
  const days = p.from === p.to ? fmt.weekday(p.from) : `${fmt.weekday(p.from)} – ${fmt.weekday(p.to)}`
  return t(p.soFar ? 'weekSoFar' : 'partialWeek').replace('{d}', days)
}

/** The partial buckets in words: the note under the chart, and the end of its text summary. */
function partialText(o) {
  const { t, fmt } = ui
  const items = o.series
    .filter((p) => p.partial)
    .map((p) => {
      const label = partialLabel(p.partial, o.filters.granularity, ui)
      if (o.filters.granularity === 'day') return `${fmt.day(p.bucket)}: ${label}`
      const days = t('daysOf').replace('{n}', fmt.int(p.partial.days)).replace('{m}', fmt.int(p.partial.of))
      return `${t('weekOf')} ${fmt.day(p.bucket)}: ${label}, ${days}`
    })
  return items.length === 0 ? '' : `${t('partialNote')} ${items.join('; ')}.`
}

/** Hatches each partial bucket's slot and rings its points hollow, over the drawn series. */
function drawPartial(o, xs) {
  return (u) => {
    const { ctx } = u
    const { left, top, width, height } = u.bbox
    const slot = xs.length > 1 ? Math.abs(u.valToPos(xs[1], 'x', true) - u.valToPos(xs[0], 'x', true)) : width
    ctx.save()
    ctx.beginPath()
    ctx.rect(left, top, width, height)
    ctx.clip()
    o.series.forEach((p, i) => {
      if (!p.partial) return
      const x = u.valToPos(xs[i], 'x', true)
      const x0 = Math.max(left, x - slot / 2)
      const x1 = Math.min(left + width, x + slot / 2)
      ctx.fillStyle = 'rgba(91, 100, 116, 0.08)'
      ctx.fillRect(x0, top, x1 - x0, height)
      ctx.strokeStyle = 'rgba(91, 100, 116, 0.35)'
      ctx.lineWidth = 1
      ctx.setLineDash([4, 4])
      ctx.strokeRect(x0 + 0.5, top + 0.5, x1 - x0 - 1, height - 1)
      ctx.setLineDash([])
      ctx.save()
      ctx.beginPath()
      ctx.rect(x0, top, x1 - x0, height)
      ctx.clip()
      ctx.strokeStyle = 'rgba(91, 100, 116, 0.2)'
      for (let h = -height; h < x1 - x0; h += 10) {
        ctx.beginPath()
        ctx.moveTo(x0 + h, top + height)
        ctx.lineTo(x0 + h + height, top)
        ctx.stroke()
      }
      ctx.restore()
      for (const [s, scale, colour] of [
        [1, 'n', OI.blue],
        [2, 'eur', OI.vermillion],
      ]) {
        const v = u.data[s][i]
        if (v === null || v === undefined) continue
        ctx.beginPath()
        ctx.arc(x, u.valToPos(v, scale, true), 5 * window.devicePixelRatio, 0, 2 * Math.PI)
        ctx.fillStyle = '#ffffff'
        ctx.fill()
        ctx.strokeStyle = colour
        ctx.lineWidth = 2 * window.devicePixelRatio
        ctx.stroke()
      }
    })
    ctx.restore()
  }
}

/** The series as a table (under its summary), a partial bucket's row saying so. */
function renderTable(o) {
  const { t, fmt } = ui
  const table = $('series-table')
  const rows = o.series.map((p) => {
    const cell = el('td')
    cell.append(el('span', fmt.day(p.bucket)))
    const label = partialLabel(p.partial, o.filters.granularity, ui)
    if (label) {
      cell.append(' ', el('span', label, 'partial-tag'))
      cell.title = label
    }
    return [cell, fmt.int(p.visits), fmt.int(p.orders), fmt.eur(p.revenue), fmt.pct(p.conversionRate)]
  })
  const first = t(o.filters.granularity === 'week' ? 'weekOf' : 'day')
  tableOf(table, [first, t('visits'), t('orders'), t('revenue'), t('conversionRate')], rows)
  o.series.forEach((p, i) => {
    if (p.partial) table.tBodies[0].rows[i].classList.add('partial')
  })
}

/** Draws the series; `u`: { t, fmt } of the chosen language (the last one's on a resize). */
export function renderSeries(o, u = ui) {
  ui = u
  const { t, fmt } = ui
  const box = $('series')
  const tile = (name) => o.tiles.find((x) => x.name === name)
  const note = partialText(o)
  $('series-partial').textContent = note
  $('series-partial').hidden = note === ''
  // The canvas is not readable by a screen reader: the container says what it shows.
  box.setAttribute('role', 'img')
  box.setAttribute(
    'aria-label',
    `${t('series')} (${t(o.filters.granularity === 'week' ? 'byWeek' : 'byDay')}), ${fmt.day(o.filters.from)} – ${fmt.day(o.filters.to)}: ` +
      `${t('visits')} ${fmt.int(tile('visits').value)}, ${t('revenue')} ${fmt.eur(tile('revenue').value)}` +
      (note ? `. ${note}` : ''),
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
      hooks: { draw: [drawPartial(o, xs)] },
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
        {
          // Two value axes take 60 + 80 px of the width.
          splits: () => bucketTicks(xs, width - 140),
          values: (_u, ticks) => ticks.map((v) => fmt.short(new Date(v * 1000))),
        },
        { scale: 'n', incrs: WHOLE_STEPS, values: (_u, ticks) => ticks.map(fmt.int), size: 60 },
        {
          scale: 'eur',
          side: 1,
          grid: { show: false },
          incrs: WHOLE_STEPS,
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
  renderTable(o)
}
