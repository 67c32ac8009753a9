/* global document, window, history, location, navigator, URLSearchParams, performance */
// The retail dashboard page: the filters, kept in the URL; one request for the overview; the
// language. Drawing is render.js's, words and formats i18n.js's.
import { formatters, segmentNamer, T } from './i18n.js'
import { render, renderSeries } from './render.js'
import { escapeBidi } from './dom.js'

const $ = (id) => document.getElementById(id)
const state = readUrl()
const t = (key) => (T[state.lang] || T['en-GB'])[key] || key
let ui
let overview

function readUrl() {
  const q = new URLSearchParams(location.search)
  const preferred = (navigator.language || '').toLowerCase().startsWith('fr') ? 'fr-FR' : 'en-GB'
  const asked = q.get('lang')
  // Own keys only: `?lang=__proto__` or `toString` named Object's members, and broke the page.
  const lang = asked && Object.hasOwn(T, asked) ? asked : preferred
  return {
    from: q.get('from') || '',
    to: q.get('to') || '',
    source: q.get('source') || '',
    channel: q.get('channel') || '',
    store: q.get('store') || '',
    granularity: q.get('granularity') === 'week' ? 'week' : 'day',
    lang,
  }
}
function query(withLang) {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(state)) if (v && (withLang || k !== 'lang')) q.set(k, v)
  return q.toString()
}

function translate() {
  document.documentElement.lang = state.lang.slice(0, 2)
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n)
  ui = { t, fmt: formatters(state.lang), segmentName: segmentNamer(state.lang) }
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
    overview = o
    render(o, ui)
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
    ['store', options.stores],
  ]) {
    const select = $(k)
    while (select.options.length > 1) select.remove(1)
    for (const v of list) select.append(new window.Option(escapeBidi(v), v))
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
      if (overview) render(overview, ui)
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
