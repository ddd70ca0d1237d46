import { SEVERITIES, type Finding, type Severity } from '../controls/types.js';
import { htmlAccessPart } from './access.js';
import { requirementState } from './frameworks.js';
import { exemptionSentence, isExemptedFailure, type ControlSummary, type Report, type ReportHead } from './report.js';
import { memorySpools, StringSink, type Spool, type SpoolFactory, type TextSink } from './sinks.js';
import { diffCounts, escapeHtml, percentText, severitySentence, summarySentence, writeReport, type FormatWriter, type ReportExtras, type SecretContext } from './writer.js';

/** Passing and not-applicable rows the HTML lists (a browser reads no more at ease); report.json and findings.csv hold them all. */
export const HTML_PASSING_ROWS = 5000;


/**
 * The statements a policy finding names (`Statement[2]`, `statement "Sid"`), quoted in full from the policy that holds them:
 * `default`, or a named one (`cross-account-replication`), whose label then says which.
 */
export function namedStatements(f: Finding, secret: SecretContext | undefined): { label: string; text: string }[] {
  if (!secret) return [];
  const publicPolicies = f.evidence['publicPolicies'] as { policy?: unknown; statements?: unknown[] }[] | undefined;
  const named = [
    ...(publicPolicies ?? ((f.evidence['publicStatements'] as unknown[] | undefined) ?? []).map((statement) => ({ policy: 'default', statements: [statement] }))).flatMap((p) => (p.statements ?? []).map((statement) => ({ policy: p.policy, statement }))),
    ...((f.evidence['untrustedStatements'] as { policy?: unknown; statement?: unknown }[] | undefined) ?? []).map((s) => ({ policy: s?.policy ?? 'default', statement: s?.statement })),
  ].filter((n): n is { policy: string; statement: string } => typeof n.policy === 'string' && typeof n.statement === 'string');
  const texts: Record<string, string | null | undefined> = { ...secret.otherResourcePolicies, default: secret.resourcePolicy };
  const seen = new Set<string>();
  return named.flatMap(({ policy, statement: label }) => {
    if (seen.has(`${policy} ${label}`)) return [];
    seen.add(`${policy} ${label}`);
    const statements = statementsOf(texts[policy]);
    const index = /Statement\[(\d+)\]/.exec(label);
    const sid = /statement "(.*)"/.exec(label);
    const found = index ? statements[Number(index[1])] : sid ? statements.find((s) => (s as { Sid?: unknown } | null)?.Sid === sid[1]) : undefined;
    return found === undefined ? [] : [{ label: policy === 'default' ? label : `the "${policy}" policy's ${label}`, text: JSON.stringify(found, null, 2) }];
  });
}

function statementsOf(text: string | null | undefined): unknown[] {
  try {
    const doc = typeof text === 'string' ? (JSON.parse(text) as { Statement?: unknown }) : undefined;
    return doc ? (Array.isArray(doc.Statement) ? (doc.Statement as unknown[]) : [doc.Statement]) : [];
  } catch {
    return [];
  }
}

const needsAction = (f: Finding) => f.status === 'FAIL' || f.status === 'ERROR';

function findingRow(f: Finding, secret: SecretContext | undefined): string {
  const exempted = isExemptedFailure(f);
  const statements = needsAction(f) ? namedStatements(f, secret) : [];
  const note = f.exemption ? `<div class="ex-note">${escapeHtml(exemptionSentence(f.exemption))}</div>` : '';
  return (
    `<tr data-status="${f.status}" data-severity="${f.severity}" data-control="${escapeHtml(f.controlId)}"${exempted ? ' data-exempted="1"' : ''}>` +
    `<td><span class="sev sev-${f.severity}">${f.severity}</span></td>` +
    `<td class="st-${f.status}">${f.status === 'NOT_APPLICABLE' ? 'N/A' : f.status}${exempted ? `<span class="exempt">exempt until ${escapeHtml(f.exemption?.until ?? '')}</span>` : ''}</td>` +
    `<td><div>${escapeHtml(f.resource.name)}</div><div class="cnt">${escapeHtml(f.resource.region)}</div></td>` +
    `<td>${escapeHtml(f.controlId)}</td>` +
    `<td><div class="reason">${escapeHtml(f.reason)}</div>${statements.map((s) => `<div class="cnt">${escapeHtml(s.label)}, in full:</div><pre class="statement">${escapeHtml(s.text)}</pre>`).join('')}` +
    `<details><summary>Evidence${needsAction(f) ? ' and fix' : ''}</summary>${needsAction(f) ? `<div>Fix: ${escapeHtml(f.remediation)}</div>` : ''}${note}` +
    `<pre>${escapeHtml(JSON.stringify(f.evidence, null, 2))}</pre><div class="cnt">${escapeHtml(f.resource.arn)}</div></details></td></tr>\n`
  );
}

/** A control's card takes the colour of its severity while it fails, green when it passes, amber when only undecided. */
export function cardTone(c: ControlSummary): string {
  if (c.counts.FAIL - c.exemptedFailures > 0) return `fail sev-border-${c.severity}`;
  if (c.counts.ERROR > 0) return 'undecided';
  return c.compliancePercent === null ? 'na' : 'good';
}

const worstFailing = (head: ReportHead): Severity | undefined => SEVERITIES.find((s) => head.summary.failuresBySeverity[s] > 0);

const THEAD = '<thead><tr><th data-key="severity">Severity</th><th data-key="status">Status</th><th data-key="secret">Secret</th><th data-key="control">Control</th><th data-key="reason">What was found</th></tr></thead>';

/**
 * One self-contained HTML file (no external assets), readable without JavaScript: the findings are rows of the page, the
 * failing and undecided first, most severe first; the script only filters and sorts them.
 */
export function htmlWriter(out: TextSink, spools: SpoolFactory = memorySpools): FormatWriter {
  const failing = new Map<Severity, Spool>(SEVERITIES.map((s) => [s, spools()]));
  const errors = spools();
  const passing = spools();
  const access = htmlAccessPart(spools);
  let problems = 0;
  let passingRows = 0;
  let passingAll = 0;
  return {
    add(findings, secret) {
      access.add(secret, findings[0]?.resource.name ?? '');
      for (const f of findings) {
        if (f.status === 'FAIL') (failing.get(f.severity) as Spool).write(findingRow(f, secret));
        else if (f.status === 'ERROR') errors.write(findingRow(f, secret));
        else {
          passingAll += 1;
          if (passingRows < HTML_PASSING_ROWS) {
            passing.write(findingRow(f, secret));
            passingRows += 1;
          }
          continue;
        }
        problems += 1;
      }
    },
    finish(head, extras) {
      const s = head.summary;
      const worst = worstFailing(head);
      const scope = `${escapeHtml(head.scope.account)} · ${escapeHtml(head.scope.regions.join(', '))} · ${escapeHtml(head.scope.source)}${head.scope.snapshotFile ? ` ${escapeHtml(head.scope.snapshotFile)}` : ''}`;
      out.write(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vigil findings — ${escapeHtml(head.scope.account)}</title>
<style>${STYLE}</style></head>
<body>
<header><h1>vigil findings</h1><p>${scope} · evaluated ${escapeHtml(head.evaluatedAt)} · generated ${escapeHtml(head.generatedAt)}</p></header>
<main>
<p class="summary" id="summary">${escapeHtml(summarySentence(s))} ${escapeHtml(severitySentence(s))}</p>
<section class="totals">
<div class="total"><b>${s.secrets}</b>${s.secrets === 1 ? 'secret' : 'secrets'}</div><div class="total failing${worst ? ` sev-border-${worst}` : ''}" id="total-failing"><b>${s.failing}</b>failing</div><div class="total"><b>${s.exemptedFailures}</b>exempted</div><div class="total${s.byStatus.ERROR ? ' undecided' : ''}"><b>${s.byStatus.ERROR}</b>could not be decided</div><div class="total"><b>${s.byStatus.PASS}</b>passing</div><div class="total"><b>${s.byStatus.NOT_APPLICABLE}</b>not applicable</div>
${SEVERITIES.map((sev) => `<div class="total sev-border-${sev}" data-severity="${sev}"><b>${s.failuresBySeverity[sev]}</b>${sev.toLowerCase()}</div>`).join('')}
</section>
`);
      if (extras.diff) {
        const d = extras.diff;
        out.write(`<section class="diff" id="diff"><h2>Since ${escapeHtml(d.previousGeneratedAt)}</h2><p>${escapeHtml(diffCounts(d))}.</p>`);
        if (d.newFailures.length) out.write(`<h3>New failures</h3><ul class="new">${d.newFailures.map((f) => `<li><span class="sev sev-${f.severity}">${f.severity}</span> ${escapeHtml(f.resource.name)} — ${escapeHtml(f.controlId)}: ${escapeHtml(f.reason)}</li>`).join('')}</ul>`);
        if (d.resolvedFailures.length) out.write(`<h3>Resolved</h3><ul class="resolved">${d.resolvedFailures.map((r) => `<li>${escapeHtml(r.name)} — ${escapeHtml(r.controlId)}: ${r.now === 'GONE' ? 'the secret is gone' : `now ${r.now === 'NOT_APPLICABLE' ? 'not applicable' : r.now}`}</li>`).join('')}</ul>`);
        if (d.undecidedFailures.length) out.write(`<h3>No longer judged</h3><p>Failed before and could not be decided now: still not compliant.</p><ul class="undecided">${d.undecidedFailures.map((r) => `<li>${escapeHtml(r.name)} — ${escapeHtml(r.controlId)}</li>`).join('')}</ul>`);
        out.write('</section>\n');
      }
      out.write(`<section><h2>Compliance by control</h2><div class="cards">${s.byControl
        .map((c) => `<div class="card ${cardTone(c)}" data-control="${escapeHtml(c.controlId)}"><div class="score">${percentText(c.compliancePercent)}</div><div class="ctl">${escapeHtml(c.controlId)}</div><div class="ttl">${escapeHtml(c.title)}</div><div class="cnt">${c.counts.PASS} pass · ${c.counts.FAIL} fail${c.exemptedFailures ? ` (${c.exemptedFailures} exempted)` : ''} · ${c.counts.ERROR} error · ${c.counts.NOT_APPLICABLE} n/a</div><div class="sev sev-${c.severity}">${c.severity}</div></div>`)
        .join('')}</div></section>
<section><h2>Findings that need action (${problems})</h2>
<div class="filters">
<input id="q" type="search" placeholder="Filter by secret, control or reason" aria-label="Filter">
<select id="fStatus" aria-label="Status"><option value="">Any status</option><option>FAIL</option><option>ERROR</option><option>PASS</option><option value="NOT_APPLICABLE">N/A</option></select>
<select id="fSeverity" aria-label="Severity"><option value="">Any severity</option>${SEVERITIES.map((sev) => `<option>${sev}</option>`).join('')}</select>
<select id="fControl" aria-label="Control"><option value="">Any control</option>${s.byControl.map((c) => `<option>${escapeHtml(c.controlId)}</option>`).join('')}</select>
<label><input id="fExempt" type="checkbox"> hide exempted</label>
</div>
<p id="count">${problems} failing or undecided, ${passingAll} passing or not applicable.</p>
<table id="findings">${THEAD}<tbody>
`);
      for (const severity of SEVERITIES) (failing.get(severity) as Spool).drainInto(out);
      errors.drainInto(out);
      out.write(`</tbody></table>
<details id="passing"><summary>Passing and not applicable (${passingAll}${passingAll > passingRows ? `; the first ${passingRows} are listed here, every one is in report.json and findings.csv` : ''})</summary>
<table id="passed">${THEAD}<tbody>
`);
      passing.drainInto(out);
      out.write('</tbody></table></details>\n</section>\n');
      access.drainInto(out, extras.access);
      if (extras.frameworks?.length) {
        out.write(`<section><h2>Frameworks</h2><table class="fw"><thead><tr><th>Framework</th><th>Requirement</th><th>Controls</th><th>State</th></tr></thead><tbody>${extras.frameworks
          .map((r) => `<tr class="fw-${r.state}"><td>${escapeHtml(r.framework)}</td><td>${escapeHtml(r.requirement)}</td><td>${escapeHtml(r.controls.join(', '))}</td><td>${escapeHtml(requirementState(r))}</td></tr>`)
          .join('')}</tbody></table></section>\n`);
      }
      out.write(`<section id="exemptions"><h2>Exemptions (${head.exemptions.length})</h2>${
        head.exemptions.length
          ? `<table class="ex"><thead><tr><th>Secret</th><th>Control</th><th>Tag</th><th>State</th><th>Until</th><th>Reason</th><th>Note</th></tr></thead><tbody>${head.exemptions
              .map((e) => `<tr class="ex-${e.state}"><td>${escapeHtml(e.name)}</td><td>${escapeHtml(e.controlId)}</td><td><code>${escapeHtml(e.tag)}</code></td><td>${e.state}</td><td>${escapeHtml(e.until ?? '—')}</td><td>${escapeHtml(e.reason)}</td><td>${escapeHtml(e.note ?? '')}</td></tr>`)
              .join('')}</tbody></table>`
          : '<p>No secret carries a vigil:exempt: tag.</p>'
      }</section>
<section id="params"><h2>Parameters used</h2><table class="params"><tbody>${Object.entries(head.params)
        .map(([name, value]) => `<tr><th>${escapeHtml(name)}</th><td><code>${escapeHtml(JSON.stringify(value))}</code></td></tr>`)
        .join('')}</tbody></table></section>
`);
      if (head.unreadable.length) out.write(`<section id="unreadable"><h2>Could not be read (${head.unreadable.length})</h2><ul>${head.unreadable.map((u) => `<li>${escapeHtml(u.arn)} — ${escapeHtml(u.field)}: ${escapeHtml(u.why)}</li>`).join('')}</ul></section>\n`);
      out.write(`</main>\n<script>${SCRIPT}</script>\n</body></html>\n`);
    },
  };
}

export function renderHtml(report: Report, extras: ReportExtras = {}, secrets?: ReadonlyMap<string, SecretContext>): string {
  const out = new StringSink();
  writeReport(htmlWriter(out), report, extras, secrets);
  return out.text();
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:20px}header p{margin:0;opacity:.8}
main{padding:20px 28px}h2{font-size:16px;margin:24px 0 10px}h3{font-size:14px;margin:12px 0 4px}
.totals{display:flex;gap:12px;flex-wrap:wrap}.total{background:#fff;border-radius:8px;padding:10px 16px;box-shadow:0 1px 2px #0002;border-top:4px solid #ddd}.total b{font-size:20px;display:block}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:12px}
.card{background:#fff;border-radius:8px;padding:12px;box-shadow:0 1px 2px #0002;border-top:4px solid #999}
.card.good{border-color:#1f9d55}.card.undecided,.total.undecided{border-color:#b7791f}.card.na{border-color:#aaa}
.sev-border-CRITICAL{border-color:#7b1fa2}.sev-border-HIGH{border-color:#e3342f}.sev-border-MEDIUM{border-color:#d69e2e}.sev-border-LOW{border-color:#3490dc}.sev-border-INFORMATIONAL{border-color:#777}
.score{font-size:26px;font-weight:700}.ctl{font-family:ui-monospace,monospace;font-size:12px}.ttl{margin:2px 0 6px}.cnt{font-size:12px;color:#555}
.sev{display:inline-block;font-size:11px;padding:1px 6px;border-radius:4px;margin-top:6px;color:#fff;background:#777}
.sev-CRITICAL{background:#7b1fa2}.sev-HIGH{background:#e3342f}.sev-MEDIUM{background:#d69e2e}.sev-LOW{background:#3490dc}.sev-INFORMATIONAL{background:#777}
.filters{display:flex;gap:8px;flex-wrap:wrap;margin-bottom:8px}.filters input,.filters select{padding:6px 8px;border:1px solid #ccd;border-radius:6px;font:inherit}
table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 2px #0002}th,td{text-align:left;padding:7px 9px;border-bottom:1px solid #eef;vertical-align:top}
thead th{background:#eef0f4;cursor:pointer;user-select:none;white-space:nowrap}th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
.st-FAIL{color:#c81e1e;font-weight:600}.st-ERROR{color:#b7791f;font-weight:600}.st-PASS{color:#1f7a45}.st-NOT_APPLICABLE{color:#777}
.exempt{font-size:11px;background:#fde68a;border-radius:4px;padding:0 5px;margin-left:4px}
details summary{cursor:pointer;color:#2563eb}#passing{margin-top:14px}#passing>summary{font-weight:600}
pre{white-space:pre-wrap;word-break:break-word;background:#f3f4f6;padding:8px;border-radius:6px;margin:6px 0 0;font-size:12px}pre.statement{background:#fdecec}
.fw-not-met td:last-child{color:#c81e1e}.fw-met td:last-child{color:#1f7a45}#count{color:#555;margin:6px 0}
.new,.gone{font-size:11px;background:#fde68a;border-radius:4px;padding:0 5px;margin-left:4px}.gone{background:#e5e7eb}tr.new-reader td:first-child{font-weight:600}tr.gone-reader td{color:#555}
.ex-expired td:nth-child(4),.ex-unusable td:nth-child(4){color:#c81e1e;font-weight:600}.ex-active td:nth-child(4){color:#1f7a45}
`;

// Filters and sorts the rows already on the page; without it every row is shown as written.
const SCRIPT = `
(function () {
  var rank = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3, INFORMATIONAL: 4, FAIL: 0, ERROR: 1, PASS: 2, NOT_APPLICABLE: 3 };
  var bodies = [document.querySelector('#findings tbody'), document.querySelector('#passed tbody')];
  var rows = bodies.map(function (b) { return Array.prototype.slice.call(b.rows); });
  var total = rows[0].length + rows[1].length;
  var sort = { key: null, dir: 1 };
  var $ = function (id) { return document.getElementById(id); };
  function value(tr, key) {
    if (key === 'severity' || key === 'status') return rank[tr.dataset[key]];
    var i = { secret: 2, control: 3, reason: 4 }[key];
    return (i === 4 ? tr.cells[4].querySelector('.reason').textContent : tr.cells[i].textContent).toLowerCase();
  }
  function filter() {
    var q = $('q').value.toLowerCase(), st = $('fStatus').value, sv = $('fSeverity').value, ct = $('fControl').value, hideExempt = $('fExempt').checked;
    var shown = 0;
    rows.forEach(function (list) {
      list.forEach(function (tr) {
        var d = tr.dataset;
        var ok = (!st || d.status === st) && (!sv || d.severity === sv) && (!ct || d.control === ct) && !(hideExempt && d.exempted) && (!q || tr.textContent.toLowerCase().indexOf(q) >= 0);
        tr.hidden = !ok;
        if (ok) shown += 1;
      });
    });
    if (st === 'PASS' || st === 'NOT_APPLICABLE') $('passing').open = true;
    $('count').textContent = shown + ' of ' + total + ' findings';
  }
  function order() {
    rows.forEach(function (list, i) {
      list.sort(function (a, b) {
        var x = value(a, sort.key), y = value(b, sort.key);
        if (x < y) return -sort.dir;
        if (x > y) return sort.dir;
        return 0;
      });
      list.forEach(function (tr) { bodies[i].appendChild(tr); });
    });
    document.querySelectorAll('thead th[data-key]').forEach(function (th) { th.setAttribute('aria-sort', th.dataset.key === sort.key ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none'); });
  }
  document.querySelectorAll('thead th[data-key]').forEach(function (th) {
    th.addEventListener('click', function () { sort = { key: th.dataset.key, dir: sort.key === th.dataset.key ? -sort.dir : 1 }; order(); });
  });
  ['q', 'fStatus', 'fSeverity', 'fControl', 'fExempt'].forEach(function (id) { $(id).addEventListener('input', filter); });
  filter();
})();
`;
