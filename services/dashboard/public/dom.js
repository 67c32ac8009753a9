/* global document, window */
// The dashboard's DOM helpers. Every value is written with textContent: never parsed as HTML.

export const $ = (id) => document.getElementById(id)

export function el(tag, text, className) {
  const e = document.createElement(tag)
  if (text !== undefined && text !== null) e.textContent = String(text)
  if (className) e.className = className
  return e
}
// Bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE and kin) reorder the text around them
// when shown: "\u202Egnp.exe" reads "exe.png". Names from the data show them as their escapes.
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g
export const escapeBidi = (s) =>
  String(s).replace(BIDI, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase()}`)

/**
 * A row's name cell (a product, a source, a store, a person): the text is cut to a few lines, the
 * whole of it in the tooltip. Names come from events and imports, up to the event size limit: a
 * 30 KB product name made its row 20,000 px tall and pushed the rest of the page out of sight.
 */
export function nameCell(text, className) {
  const td = el('td', undefined, className)
  const shown = text === undefined || text === null ? text : escapeBidi(text)
  const span = el('span', shown, 'name')
  if (shown !== undefined && shown !== null) span.title = shown
  td.append(span)
  return td
}
export function tableOf(table, head, rows) {
  table.replaceChildren()
  const tr = el('tr')
  head.forEach((h, i) => tr.append(el('th', h, i > 0 ? 'num' : '')))
  table.append(el('thead'))
  table.tHead.append(tr)
  const body = el('tbody')
  for (const r of rows) {
    const row = el('tr')
    r.forEach((c, i) => row.append(c instanceof window.Node ? c : i === 0 ? nameCell(c) : el('td', c, 'num')))
    body.append(row)
  }
  table.append(body)
}
