/* global document, window, history, location, navigator, URLSearchParams, performance */
// The retail dashboard page: the filters, kept in the URL; one request for the overview; the
// language. Drawing is render.js's, words and formats i18n.js's.
import { errorText, formatters, segmentNamer, T } from './i18n.js'
import { render, renderSeries } from './render.js'
import { escapeBidi } from './dom.js'

const $ = (id) => document.getElementById(id)
const state = readUrl()
const t = (key) => (T[state.lang] || T['en-GB'])[key] || key
let ui
let overview
/** The latest overview asked for: an older answer arriving after it is dropped, never drawn. */
let asked = 0

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
  if (!res.ok) throw new Error(errorText(state.lang, body, res.statusText))
  return body
}

async function load() {
  const mine = ++asked
  history.replaceState(null, '', `?${query(true)}`)
  $('status').textContent = t('loading')
  document.body.dataset.state = 'loading'
  try {
    const o = await getJson(`/dashboard/api/overview?${query(false)}`)
    if (mine !== asked) return
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
    if (mine !== asked) return
    $('status').textContent = t('failed') + err.message
    document.body.dataset.state = 'error'
  }
}

/** The filters' controls show `state` (at start, and when back or forward restores a view). */
function showState() {
  for (const k of ['from', 'to', 'granularity', 'lang']) $(k).value = state[k]
  for (const k of ['source', 'channel', 'store']) {
    const select = $(k)
    if ([...select.options].some((o) => o.value === state[k])) select.value = state[k]
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
  showState()
  // Each change is a step of the browser's history: back and forward return to the views before.
  $('filters').addEventListener('change', (e) => {
    state[e.target.name] = e.target.value
    history.pushState(null, '', `?${query(true)}`)
    if (e.target.name === 'lang') {
      translate()
      if (overview) render(overview, ui)
    } else void load()
  })
  window.addEventListener('popstate', () => {
    const lang = state.lang
    Object.assign(state, readUrl())
    showState()
    if (state.lang !== lang) translate()
    void load()
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
