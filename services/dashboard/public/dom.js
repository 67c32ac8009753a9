/* global document, window */
// The dashboard's DOM helpers. Every value is written with textContent: never parsed as HTML.

export const $ = (id) => document.getElementById(id)

export function el(tag, text, className) {
  const e = document.createElement(tag)
  if (text !== undefined && text !== null) e.textContent = String(text)
  if (className) e.className = className
  return e
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
    r.forEach((c, i) =>
      c instanceof window.Node ? row.append(c) : row.append(el('td', c, i > 0 ? 'num' : '')),
    )
    body.append(row)
  }
  table.append(body)
}
