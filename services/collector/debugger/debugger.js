/* global document, window, EventSource, URLSearchParams */
// The live event debugger page. Every value that comes from an event is written with textContent
// (or as an <option>'s text): event content is attacker-controlled and never parsed as HTML.
'use strict'
;(() => {
  const MAX_ROWS = 500
  const $ = (id) => document.getElementById(id)
  const rows = $('rows')
  const status = $('status')
  const counts = $('counts')
  const notice = $('notice')
  const detail = $('detail')
  const filters = { source: $('source'), event: $('event'), id: $('id') }
  const paused = $('paused')

  /** messageId -> the person cells showing it (an event can be listed once per stream). */
  let personCells = new Map()
  let queue = []
  let stream
  let totals = { accepted: 0, rejected: 0, refused: 0 }
  let knownSources = new Set()
  let selected

  // Bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE and kin) reorder the text around them
  // when shown: "\u202Egnp.exe" reads "exe.png". The page shows them as their escapes instead.
  const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g
  const escapeBidi = (s) => s.replace(BIDI, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase()}`)

  /** A cell; its full text is also its tooltip, for the columns that cut it with an ellipsis. */
  function cell(text, className, title) {
    const td = document.createElement('td')
    td.textContent = escapeBidi(text === undefined || text === null ? '' : String(text))
    if (className) td.className = className
    if (title) td.title = escapeBidi(title)
    return td
  }

  function showDetail(entry, tr) {
    if (selected) selected.classList.remove('selected')
    selected = tr
    tr.classList.add('selected')
    detail.hidden = false
    $('detail-title').textContent = escapeBidi(
      `${entry.status} · ${entry.type || '?'} ${entry.event || ''} · ${entry.messageId || 'no messageId'}`,
    )
    // As escapes, the JSON stays valid JSON of the same event.
    $('json').textContent = escapeBidi(JSON.stringify(entry, null, 2))
  }

  /** Why it was rejected or refused; for a stored event, the tracking-plan rules it breaks. */
  function reasonOf(entry) {
    if (entry.reason) return `${entry.reason.code}: ${entry.reason.message}`
    if (!entry.violations || entry.violations.length === 0) return ''
    return `tracking plan: ${entry.violations.map((v) => `${v.path} ${v.message}`).join('; ')}`
  }

  function addRow(entry) {
    const tr = document.createElement('tr')
    tr.className = entry.status
    if (entry.messageId) tr.dataset.messageId = entry.messageId
    const ids = [entry.userId, entry.anonymousId].filter(Boolean).join(' / ')
    const person = cell(entry.personId || '', 'person', entry.personId)
    const received = entry.receivedAt ? entry.receivedAt.replace('T', ' ').replace('Z', '') : ''
    tr.append(
      // The time of day; the date is in the tooltip and the JSON.
      cell(received.slice(11), 'received', received),
      cell(entry.sourceId, 'source', entry.sourceId),
      cell(entry.status, 'status'),
      cell(entry.type, 'type'),
      cell(entry.event, 'event', entry.event),
      cell(ids, 'ids', ids),
      person,
      cell(reasonOf(entry), 'reason'),
    )
    tr.addEventListener('click', () => showDetail(entry, tr))
    if (entry.messageId) {
      const cells = personCells.get(entry.messageId) || []
      cells.push(person)
      personCells.set(entry.messageId, cells)
    }
    rows.prepend(tr)
    while (rows.childElementCount > MAX_ROWS) {
      const last = rows.lastElementChild
      const id = last.dataset.messageId
      if (id) personCells.delete(id)
      last.remove()
    }
    totals[entry.status] = (totals[entry.status] || 0) + 1
    counts.textContent = `${totals.accepted} accepted · ${totals.rejected} rejected · ${totals.refused} requests refused`
  }

  function setSources(ids) {
    for (const id of ids) {
      if (knownSources.has(id)) continue
      knownSources.add(id)
      const option = document.createElement('option')
      option.value = id
      option.textContent = escapeBidi(id)
      filters.source.append(option)
    }
  }

  function connect() {
    if (stream) stream.close()
    rows.replaceChildren()
    personCells = new Map()
    queue = []
    totals = { accepted: 0, rejected: 0, refused: 0 }
    counts.textContent = ''
    detail.hidden = true
    const params = new URLSearchParams()
    for (const [name, input] of Object.entries(filters))
      if (input.value.trim()) params.set(name, input.value.trim())
    stream = new EventSource(`/debugger/events?${params}`)
    status.textContent = 'connecting…'
    stream.addEventListener('open', () => {
      status.textContent = 'live'
      status.className = 'live'
    })
    stream.addEventListener('error', () => {
      if (stream.readyState === EventSource.CLOSED) {
        status.textContent = 'disconnected: the session may have expired, reload the page to sign in'
      } else {
        status.textContent = 'reconnecting…'
      }
      status.className = 'down'
    })
    stream.addEventListener('hello', (e) => setSources(JSON.parse(e.data).sources || []))
    stream.addEventListener('entry', (e) => {
      const entry = JSON.parse(e.data)
      if (paused.checked) {
        queue.push(entry)
        if (queue.length > MAX_ROWS) queue.shift()
        return
      }
      addRow(entry)
    })
    stream.addEventListener('person', (e) => {
      const { messageId, personId } = JSON.parse(e.data)
      for (const td of personCells.get(messageId) || []) {
        td.textContent = escapeBidi(personId)
        td.title = escapeBidi(personId)
      }
      for (const entry of queue) if (entry.messageId === messageId) entry.personId = personId
    })
    stream.addEventListener('skipped', (e) => {
      const { count } = JSON.parse(e.data)
      notice.hidden = false
      notice.textContent = `More than the debugger's budget arrived: ${count} events in the last second were not shown.`
    })
  }

  let debounce
  for (const input of Object.values(filters)) {
    input.addEventListener('input', () => {
      status.textContent = 'connecting…'
      status.className = ''
      window.clearTimeout(debounce)
      debounce = window.setTimeout(connect, 300)
    })
  }
  $('filters').addEventListener('submit', (e) => {
    e.preventDefault()
    connect()
  })
  paused.addEventListener('change', () => {
    if (paused.checked) return
    for (const entry of queue.splice(0)) addRow(entry)
  })
  connect()
})()
