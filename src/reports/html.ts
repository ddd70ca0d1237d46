import type { ReportDiff } from './diff.js';
import type { RequirementView } from './frameworks.js';
import { isExemptedFailure, type Report } from './report.js';

export interface HtmlExtras {
  frameworks?: RequirementView[];
  diff?: ReportDiff;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
// JSON inside <script>: no "<" may close the element, no line separator may end a JS string early.
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

/** One self-contained HTML file (no external assets): scores per control, a filterable, sortable findings table, the evidence. */
export function renderHtml(report: Report, extras: HtmlExtras = {}): string {
  const s = report.summary;
  const rows = report.findings.map((f) => ({
    severity: f.severity,
    status: f.status,
    exempted: isExemptedFailure(f),
    exemptUntil: f.exemption?.active ? f.exemption.until : null,
    secret: f.resource.name,
    arn: f.resource.arn,
    region: f.resource.region,
    control: f.controlId,
    title: f.title,
    reason: f.reason,
    remediation: f.remediation,
    evidence: f.evidence,
    exemptionNote: f.exemption && !f.exemption.active ? f.exemption.note : null,
  }));
  const cards = s.byControl
    .map((c) => {
      const pct = c.compliancePercent;
      const tone = pct === null ? 'na' : pct === 100 ? 'good' : pct >= 80 ? 'warn' : 'bad';
      return `<div class="card ${tone}" data-control="${escapeHtml(c.controlId)}"><div class="score">${pct === null ? '—' : `${pct}%`}</div><div class="ctl">${escapeHtml(c.controlId)}</div><div class="ttl">${escapeHtml(c.title)}</div><div class="cnt">${c.counts.PASS} pass · ${c.counts.FAIL} fail${c.exemptedFailures ? ` (${c.exemptedFailures} exempted)` : ''} · ${c.counts.ERROR} error · ${c.counts.NOT_APPLICABLE} n/a</div><div class="sev sev-${c.severity}">${c.severity}</div></div>`;
    })
    .join('');
  const frameworks = extras.frameworks?.length
    ? `<section><h2>Frameworks</h2><table class="fw"><thead><tr><th>Framework</th><th>Requirement</th><th>Controls</th><th>State</th></tr></thead><tbody>${extras.frameworks
        .map((r) => `<tr class="fw-${r.state}"><td>${escapeHtml(r.framework)}</td><td>${escapeHtml(r.requirement)}</td><td>${escapeHtml(r.controls.join(', '))}</td><td>${r.state === 'met' ? 'met' : r.state === 'not-met' ? `not met (${r.failing} failing)` : `undecided (${r.errors} errors)`}</td></tr>`)
        .join('')}</tbody></table></section>`
    : '';
  const diff = extras.diff
    ? `<section class="diff"><h2>Since ${escapeHtml(extras.diff.previousGeneratedAt)}</h2><p><strong>${extras.diff.newFailures.length}</strong> new failures, <strong>${extras.diff.resolvedFailures.length}</strong> resolved, ${extras.diff.unchangedFailures} unchanged.</p>${
        extras.diff.newFailures.length ? `<ul>${extras.diff.newFailures.map((f) => `<li>${escapeHtml(f.resource.name)} — ${escapeHtml(f.controlId)}: ${escapeHtml(f.reason)}</li>`).join('')}</ul>` : ''
      }</section>`
    : '';
  const unreadable = report.unreadable.length
    ? `<section><h2>Could not be read</h2><ul>${report.unreadable.map((u) => `<li>${escapeHtml(u.arn)} — ${escapeHtml(u.field)}: ${escapeHtml(u.why)}</li>`).join('')}</ul></section>`
    : '';
  const scope = `${escapeHtml(report.scope.account)} · ${escapeHtml(report.scope.regions.join(', '))} · ${escapeHtml(report.scope.source)}${report.scope.snapshotFile ? ` ${escapeHtml(report.scope.snapshotFile)}` : ''}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vigil findings — ${escapeHtml(report.scope.account)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:20px}header p{margin:0;opacity:.8}
main{padding:20px 28px}h2{font-size:16px;margin:24px 0 10px}
.totals{display:flex;gap:12px;flex-wrap:wrap}.total{background:#fff;border-radius:8px;padding:10px 16px;box-shadow:0 1px 2px #0002}.total b{font-size:20px;display:block}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:12px}
.card{background:#fff;border-radius:8px;padding:12px;box-shadow:0 1px 2px #0002;border-top:4px solid #999}
.card.good{border-color:#1f9d55}.card.warn{border-color:#d69e2e}.card.bad{border-color:#e3342f}.card.na{border-color:#aaa}
.score{font-size:26px;font-weight:700}.ctl{font-family:ui-monospace,monospace;font-size:12px}.ttl{margin:2px 0 6px}.cnt{font-size:12px;color:#555}
.sev{display:inline-block;font-size:11px;padding:1px 6px;border-radius:4px;margin-top:6px;color:#fff;background:#777}
.sev-CRITICAL{background:#7b1fa2}.sev-HIGH{background:#e3342f}.sev-MEDIUM{background:#d69e2e}.sev-LOW{background:#3490dc}.sev-INFORMATIONAL{background:#777}
.filters{display:flex;gap:8px;flex-wrap:wrap;margin-bottom:8px}.filters input,.filters select{padding:6px 8px;border:1px solid #ccd;border-radius:6px;font:inherit}
table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 2px #0002}th,td{text-align:left;padding:7px 9px;border-bottom:1px solid #eef;vertical-align:top}
th{background:#eef0f4;cursor:pointer;user-select:none;white-space:nowrap}th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
.st-FAIL{color:#c81e1e;font-weight:600}.st-ERROR{color:#b7791f;font-weight:600}.st-PASS{color:#1f7a45}.st-NOT_APPLICABLE{color:#777}
.exempt{font-size:11px;background:#fde68a;border-radius:4px;padding:0 5px;margin-left:4px}
details summary{cursor:pointer;color:#2563eb}pre{white-space:pre-wrap;word-break:break-word;background:#f3f4f6;padding:8px;border-radius:6px;margin:6px 0 0;font-size:12px}
.fw-not-met td:last-child{color:#c81e1e}.fw-met td:last-child{color:#1f7a45}#count{color:#555;margin:6px 0}
</style></head>
<body>
<header><h1>vigil findings</h1><p>${scope} · evaluated ${escapeHtml(report.evaluatedAt)}</p></header>
<main>
<section class="totals">
<div class="total"><b>${s.secrets}</b>secrets</div><div class="total"><b>${s.byStatus.FAIL}</b>failing${s.exemptedFailures ? ` (${s.exemptedFailures} exempted)` : ''}</div><div class="total"><b>${s.byStatus.ERROR}</b>could not be decided</div><div class="total"><b>${s.byStatus.PASS}</b>passing</div>
<div class="total"><b>${s.failuresBySeverity.CRITICAL}</b>critical</div><div class="total"><b>${s.failuresBySeverity.HIGH}</b>high</div>
</section>
${diff}
<section><h2>Compliance by control</h2><div class="cards">${cards}</div></section>
${frameworks}
<section><h2>Findings</h2>
<div class="filters">
<input id="q" type="search" placeholder="Filter by secret, control or reason" aria-label="Filter">
<select id="fStatus" aria-label="Status"><option value="">Any status</option><option>FAIL</option><option>ERROR</option><option>PASS</option><option>NOT_APPLICABLE</option></select>
<select id="fSeverity" aria-label="Severity"><option value="">Any severity</option><option>CRITICAL</option><option>HIGH</option><option>MEDIUM</option><option>LOW</option></select>
<select id="fControl" aria-label="Control"><option value="">Any control</option>${s.byControl.map((c) => `<option>${escapeHtml(c.controlId)}</option>`).join('')}</select>
<label><input id="fExempt" type="checkbox"> hide exempted</label>
</div>
<p id="count"></p>
<table id="findings"><thead><tr><th data-key="severity">Severity</th><th data-key="status">Status</th><th data-key="secret">Secret</th><th data-key="control">Control</th><th data-key="reason">What was found</th></tr></thead><tbody></tbody></table>
</section>
${unreadable}
</main>
<script type="application/json" id="data">${scriptJson(rows)}</script>
<script>
(function () {
  var rows = JSON.parse(document.getElementById('data').textContent);
  var rank = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3, INFORMATIONAL: 4, FAIL: 0, ERROR: 1, PASS: 2, NOT_APPLICABLE: 3 };
  var sort = { key: 'status', dir: 1 };
  var body = document.querySelector('#findings tbody');
  var el = function (tag, text, cls) { var e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; };
  function value(r, key) { return key === 'severity' || key === 'status' ? rank[r[key]] : String(r[key]).toLowerCase(); }
  function render() {
    var q = document.getElementById('q').value.toLowerCase();
    var st = document.getElementById('fStatus').value, sv = document.getElementById('fSeverity').value, ct = document.getElementById('fControl').value;
    var hideExempt = document.getElementById('fExempt').checked;
    var shown = rows.filter(function (r) {
      return (!st || r.status === st) && (!sv || r.severity === sv) && (!ct || r.control === ct) && !(hideExempt && r.exempted) &&
        (!q || (r.secret + ' ' + r.control + ' ' + r.reason + ' ' + r.arn).toLowerCase().indexOf(q) >= 0);
    }).sort(function (a, b) {
      var x = value(a, sort.key), y = value(b, sort.key);
      if (x < y) return -sort.dir; if (x > y) return sort.dir;
      return rank[a.severity] - rank[b.severity] || (a.secret < b.secret ? -1 : 1);
    });
    body.textContent = '';
    shown.forEach(function (r) {
      var tr = el('tr');
      var sev = el('td'); sev.appendChild(el('span', r.severity, 'sev sev-' + r.severity)); tr.appendChild(sev);
      var stc = el('td', r.status === 'NOT_APPLICABLE' ? 'N/A' : r.status, 'st-' + r.status);
      if (r.exempted) stc.appendChild(el('span', 'exempt until ' + r.exemptUntil, 'exempt'));
      tr.appendChild(stc);
      var sec = el('td'); sec.appendChild(el('div', r.secret)); sec.appendChild(el('div', r.region, 'cnt')); tr.appendChild(sec);
      tr.appendChild(el('td', r.control));
      var why = el('td'); why.appendChild(el('div', r.reason));
      var d = el('details'); d.appendChild(el('summary', 'Evidence and fix'));
      d.appendChild(el('div', 'Fix: ' + r.remediation));
      if (r.exemptionNote) d.appendChild(el('div', 'Exemption: ' + r.exemptionNote));
      d.appendChild(el('pre', JSON.stringify(r.evidence, null, 2)));
      d.appendChild(el('div', r.arn, 'cnt'));
      why.appendChild(d); tr.appendChild(why);
      body.appendChild(tr);
    });
    document.getElementById('count').textContent = shown.length + ' of ' + rows.length + ' findings';
    document.querySelectorAll('#findings th').forEach(function (th) { th.setAttribute('aria-sort', th.dataset.key === sort.key ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none'); });
  }
  document.querySelectorAll('#findings th').forEach(function (th) {
    th.addEventListener('click', function () { sort = { key: th.dataset.key, dir: sort.key === th.dataset.key ? -sort.dir : 1 }; render(); });
  });
  ['q', 'fStatus', 'fSeverity', 'fControl', 'fExempt'].forEach(function (id) { document.getElementById(id).addEventListener('input', render); });
  document.getElementById('fStatus').value = rows.some(function (r) { return r.status === 'FAIL'; }) ? 'FAIL' : '';
  render();
})();
</script>
</body></html>
`;
}
