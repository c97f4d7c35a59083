/* The KPI API: one GET, the error message in the page's words. */

export async function fetchKpis(url) {
  const resp = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  const body = await resp.json();
  if (!resp.ok) {
    const e = body && body.error;
    throw new Error(e ? e.message + (e.field ? " (" + e.field + ")" : "") : "Kesalahan / Error");
  }
  return body;
}
