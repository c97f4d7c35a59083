/* DOM helpers: text only (textContent, never innerHTML). */

export const $ = (id) => document.getElementById(id);

export function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) { e.textContent = String(text); }
  if (cls) { e.className = cls; }
  return e;
}

export function row(cells) {
  const tr = el("tr");
  cells.forEach((c) => { tr.appendChild(c instanceof Node ? c : el("td", c)); });
  return tr;
}

export function fillBody(table, rows, render, emptyText) {
  const tbody = table.tBodies[0];
  const frag = document.createDocumentFragment();
  rows.forEach((r) => { frag.appendChild(render(r)); });
  if (!rows.length) {
    const tr = el("tr");
    const td = el("td", emptyText || "–", "empty");
    td.colSpan = table.tHead && table.tHead.rows[0] ? table.tHead.rows[0].cells.length : 1;
    tr.appendChild(td);
    frag.appendChild(tr);
  }
  tbody.replaceChildren(frag);
}

/** The page's JSON block (a data block, not a script: the CSP allows no inline script). */
export function jsonBlock(id) {
  const node = $(id);
  return node ? JSON.parse(node.textContent) : {};
}
