/**
 * The gate's HTML report: one self-contained page (no network, no external
 * script) with the provenance, the claim table (filter by family, kind and
 * verdict, or by text), each claim's statement, source, bound, figure, detail
 * and divergence, and the figures the claims recorded, drawn as SVG by
 * {@link lineChart}. A small inline script checks on load that every chart
 * has drawn paths and records the result on `<body>` (`data-charts`,
 * `data-errors`), which the browser test reads.
 *
 * @example
 * ```ts
 * import { renderReport } from "./html.ts";
 * import { ok } from "node:assert/strict";
 * const html = renderReport({ head: "commit abc", counts: { pass: 0, fail: 0, pending: 0 }, rows: [], figures: [] });
 * ok(html.startsWith("<!doctype html>"));
 * ```
 *
 * @module
 */
import type { Figure } from "../figures.ts";
import type { GateRow } from "../gate_rows.ts";
import { esc, lineChart } from "./svg.ts";

/** What the report shows. */
export interface ReportInput {
  /** One line of provenance (commit, date, Deno, adapter, seed, filter). */
  head: string;
  counts: { pass: number; fail: number; pending: number };
  rows: readonly GateRow[];
  figures: readonly Figure[];
}

/** The claim's kind: the first word of its id's last segment (the suffix vocabulary). */
export function kindOf(id: string): string {
  const last = id.slice(id.lastIndexOf(".") + 1);
  const two = last.split("_").slice(0, 2).join("_");
  return ["oracle_gradcheck", "gpu_parity", "gpu_gradients", "gpu_training", "fixture_parity"]
      .includes(two)
    ? two
    : last.split("_")[0]!;
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px;margin:0 0 4px} .prov{color:#555;font-size:13px;margin-bottom:12px}
.counts span{display:inline-block;margin-right:14px;font-weight:600}
.pass{color:#1a7f37}.fail{color:#cf222e}.pending{color:#9a6700}
.filters{margin:12px 0;display:flex;gap:10px;flex-wrap:wrap;align-items:center}
table{border-collapse:collapse;width:100%;font-size:13px;table-layout:fixed}
col.c-id{width:27%}col.c-st{width:43%}col.c-fig{width:10%}col.c-bd{width:11%}col.c-v{width:5%}col.c-ms{width:4%}
td code{word-break:break-all}
th,td{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f6f8fa;position:sticky;top:0} td.num{font-family:monospace;overflow-wrap:anywhere}
details{font-size:12px;color:#444} .div{background:#fff8c5}
.charts{display:flex;flex-wrap:wrap;gap:16px} figure{margin:0;border:1px solid #ddd;padding:6px}
figcaption{font-size:12px;color:#555;max-width:560px}
`;

const SCRIPT = `
(function(){
  var errors=[];window.addEventListener('error',function(e){errors.push(String(e.message));
    document.body.setAttribute('data-errors',String(errors.length));});
  function apply(){
    var f=document.getElementById('f-family').value,k=document.getElementById('f-kind').value,
        v=document.getElementById('f-verdict').value,q=document.getElementById('f-text').value.toLowerCase();
    var shown=0;document.querySelectorAll('tr.claim').forEach(function(r){
      var ok=(!f||r.dataset.family===f)&&(!k||r.dataset.kind===k)&&(!v||r.dataset.verdict===v)&&
        (!q||r.textContent.toLowerCase().indexOf(q)>=0);r.style.display=ok?'':'none';if(ok)shown++;});
    document.getElementById('shown').textContent=shown;}
  ['f-family','f-kind','f-verdict','f-text'].forEach(function(id){
    document.getElementById(id).addEventListener('input',apply);});
  apply();
  var good=0;document.querySelectorAll('svg.chart').forEach(function(s){
    var p=s.querySelectorAll('path.series');var ok=p.length>0;
    p.forEach(function(x){if(!x.getAttribute('d'))ok=false;});if(ok)good++;});
  document.body.setAttribute('data-charts',good+'/'+document.querySelectorAll('svg.chart').length);
  if(!document.body.hasAttribute('data-errors'))document.body.setAttribute('data-errors','0');
})();
`;

function options(values: readonly string[], label: string): string {
  return `<option value="">${label}: all</option>` +
    values.map((v) => `<option value="${esc(v)}">${esc(v)}</option>`).join("");
}

/** The report page. */
export function renderReport(r: ReportInput): string {
  const families = [...new Set(r.rows.map((x) => x.family))].sort();
  const kinds = [...new Set(r.rows.map((x) => kindOf(x.id)))].sort();
  const figsByClaim = new Map<string, Figure[]>();
  for (const f of r.figures) figsByClaim.set(f.claim, [...(figsByClaim.get(f.claim) ?? []), f]);
  const rows = r.rows.map((x) => {
    const figs = figsByClaim.get(x.id) ?? [];
    return `<tr class="claim ${x.divergence ? "div" : ""}" data-family="${esc(x.family)}" ` +
      `data-kind="${esc(kindOf(x.id))}" data-verdict="${x.verdict}">` +
      `<td><code>${esc(x.id)}</code>${
        figs.map((f) => ` <a href="#fig-${esc(f.id)}" title="figure">[figure]</a>`).join("")
      }</td>` +
      `<td>${esc(x.statement)}<details><summary>source, bound, detail${
        x.divergence ? ", divergence" : ""
      }</summary><p><b>source:</b> ${esc(x.source)}</p><p><b>detail:</b> ${esc(x.detail)}</p>${
        x.divergence ? `<p><b>divergence:</b> ${esc(x.divergence)}</p>` : ""
      }</details></td>` +
      `<td class="num">${esc(x.figure)}</td><td class="num">${esc(x.direction)} ${
        esc(x.bound)
      }</td>` +
      `<td class="${x.verdict}">${x.verdict}</td><td class="num">${Math.round(x.ms)}</td></tr>`;
  });
  const charts = r.figures.map((f) =>
    `<figure id="fig-${esc(f.id)}">${lineChart(f)}<figcaption><code>${esc(f.claim)}</code>` +
    `</figcaption></figure>`
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>memspec gate</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body>
<h1>memspec gate</h1>
<div class="prov">${esc(r.head)}</div>
<div class="counts"><span class="pass">${r.counts.pass} passed</span><span class="fail">${r.counts.fail} failed</span><span class="pending">${r.counts.pending} pending</span><span>${r.rows.length} claims, ${
    r.rows.filter((x) => x.divergence).length
  } with a recorded divergence (shaded)</span></div>
<h2>Figures</h2>
<div class="charts">${charts.join("\n") || "<p>No figures were recorded in this run.</p>"}</div>
<h2>Claims</h2>
<div class="filters">
<select id="f-family">${options(families, "family")}</select>
<select id="f-kind">${options(kinds, "kind")}</select>
<select id="f-verdict">${options(["pass", "fail", "pending"], "verdict")}</select>
<input id="f-text" type="search" placeholder="search id, statement, detail">
<span><span id="shown">${r.rows.length}</span> shown</span>
</div>
<table><colgroup><col class="c-id"><col class="c-st"><col class="c-fig"><col class="c-bd"><col class="c-v"><col class="c-ms"></colgroup><thead><tr><th>claim</th><th>statement</th><th>figure</th><th>bound</th><th>verdict</th><th>ms</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody></table>
<script>${SCRIPT}</script>
</body></html>
`;
}
