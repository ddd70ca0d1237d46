import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listControls } from '../../src/controls/index.js';
import { diffReports, frameworkView, renderHtml, type SecretContext } from '../../src/reports/index.js';
import { launchBrowser } from '../helpers/browser.js';
import type { SecretState } from '../../src/model/index.js';
import { fixtureReport, fixtureStates } from '../helpers/reports.js';

let browser: Browser;
const outside: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

async function open(html: string, javaScriptEnabled = true): Promise<Page> {
  const file = join(mkdtempSync(join(tmpdir(), 'vigil-html-')), 'report.html');
  writeFileSync(file, html);
  const page = await (await browser.newContext({ javaScriptEnabled })).newPage();
  page.on('request', (r) => {
    if (!r.url().startsWith('file://')) outside.push(r.url());
  });
  await page.goto(`file://${file}`);
  return page;
}

const visibleRows = (page: Page) => page.locator('#findings tbody tr:not([hidden]), #passed tbody tr:not([hidden])').allInnerTexts();
// Runs in the page: the browser's computed style of an element's top border.
const borderTop = (e: unknown) => (globalThis as unknown as { getComputedStyle: (e: unknown) => { borderTopColor: string } }).getComputedStyle(e).borderTopColor;
const borderTops = (es: unknown[]) => es.map((e) => (globalThis as unknown as { getComputedStyle: (e: unknown) => { borderTopColor: string } }).getComputedStyle(e).borderTopColor);
const secretsOf = (states: SecretState[]): Map<string, SecretContext> => new Map(states.map((s) => [s.arn, s]));

describe('the HTML report, as a person sees it in a browser', () => {
  it('lists the failing and undecided findings without JavaScript, most severe first, before the framework table', async () => {
    const report = await fixtureReport();
    const page = await open(renderHtml(report, { frameworks: frameworkView(report, await listControls()) }), false);
    const problems = report.findings.filter((f) => f.status === 'FAIL' || f.status === 'ERROR');
    expect(await page.locator('#findings tbody tr').count()).toBe(problems.length);
    expect(await page.locator('#findings tbody tr').first().innerText()).toMatch(/^CRITICAL\s+FAIL/);
    const error = page.locator('#findings tbody tr[data-status="ERROR"]', { hasText: 'prod/api/restricted' }).first();
    expect(await error.isVisible()).toBe(true);
    expect(await error.innerText()).toContain('prod/api/restricted');
    const findingsTop = (await page.locator('#findings').boundingBox())?.y ?? Infinity;
    const frameworksTop = (await page.locator('table.fw').boundingBox())?.y ?? -Infinity;
    expect(findingsTop).toBeLessThan(frameworksTop);
    expect(await page.locator('#passed tbody tr').count()).toBe(report.findings.length - problems.length);
    await page.close();
  });

  it('colours a card by the severity of its failing control, and green when it passes', async () => {
    const report = await fixtureReport();
    const page = await open(renderHtml(report));
    const card = page.locator('.card[data-control="no-public-principal"]');
    expect(await card.locator('.score').innerText()).toBe('92.3%');
    expect(await card.evaluate(borderTop)).toBe('rgb(123, 31, 162)');
    expect(await page.locator('#total-failing').evaluate(borderTop)).toBe('rgb(123, 31, 162)');
    expect(await page.locator('.card[data-control="rotation-enabled"] .cnt').innerText()).toContain('7 fail (1 exempted)');
    const compliant = await open(renderHtml(await fixtureReport((states) => states.filter((s) => s.name === 'prod/db/orders'))));
    for (const tone of await compliant.locator('.card').evaluateAll(borderTops)) expect(['rgb(31, 157, 85)', 'rgb(170, 170, 170)']).toContain(tone);
    await page.close();
    await compliant.close();
  });

  it('filters by text, status and severity, and sorts by a column', async () => {
    const page = await open(renderHtml(await fixtureReport()));
    expect(await page.locator('#count').innerText()).toBe('165 of 165 findings');
    await page.fill('#q', 'payments-key');
    const shown = await page.locator('#findings tbody tr:not([hidden]), #passed tbody tr:not([hidden])').allTextContents();
    expect(shown.filter((t) => !t.includes('prod/api/payments-key'))).toEqual([]);
    expect(await page.locator('#count').innerText()).toBe('11 of 165 findings');
    await page.fill('#q', '');
    await page.selectOption('#fSeverity', 'CRITICAL');
    expect(await page.locator('#count').innerText()).toBe('15 of 165 findings');
    await page.selectOption('#fSeverity', '');
    await page.selectOption('#fStatus', 'ERROR');
    expect((await visibleRows(page)).every((t) => /\tERROR\t/.test(t))).toBe(true);
    await page.selectOption('#fStatus', 'FAIL');
    await page.click('#findings th[data-key="severity"]');
    expect((await visibleRows(page))[0]).toMatch(/^CRITICAL/);
    await page.click('#findings th[data-key="severity"]');
    expect((await visibleRows(page))[0]).toMatch(/^LOW/);
    await page.close();
  });

  it('quotes in full the statement that makes a policy public, with the evidence and fix', async () => {
    const report = await fixtureReport();
    const page = await open(renderHtml(report, {}, secretsOf(fixtureStates())));
    const row = page.locator('#findings tbody tr', { hasText: 'prod/api/payments-key' }).filter({ hasText: 'no-public-principal' });
    const statement = await row.locator('pre.statement').innerText();
    expect(JSON.parse(statement)).toMatchObject({ Effect: 'Allow', Principal: expect.anything() });
    await row.locator('summary').click();
    expect(await row.innerText()).toContain('Fix: Remove the statement');
    expect(await row.locator('details pre').innerText()).toContain('"publicStatements"');
    await page.fill('#q', 'partner/shared-token');
    expect(await page.locator('#findings .exempt').innerText()).toBe('exempt until 2026-12-31');
    await page.check('#fExempt');
    expect(await page.locator('#findings tr:not([hidden]) .exempt').count()).toBe(0);
    await page.close();
  });

  it('quotes the public statement from the named policy that holds it, not the default policy\'s statement of that index', async () => {
    const PRIVATE = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'OwnAccount', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'secretsmanager:DescribeSecret', Resource: '*' }] });
    const move = (states: SecretState[]) => states.map((s) => (s.name === 'prod/api/payments-key' ? { ...s, resourcePolicy: PRIVATE, otherResourcePolicies: { 'cross-account-replication': s.resourcePolicy as string } } : s));
    const states = move(fixtureStates());
    const html = renderHtml(await fixtureReport(move), {}, secretsOf(states));
    const row = html.split('<tr ').find((r) => r.includes('prod/api/payments-key') && r.includes('data-control="no-public-principal"')) ?? '';
    expect(row).toContain('the &#34;cross-account-replication&#34; policy&#39;s Statement[0], in full:');
    expect(row).toContain('&#34;Principal&#34;: &#34;*&#34;');
    expect(row).not.toContain('OwnAccount');
  });

  it('lists every exemption, active, expired and unusable, and the parameters used', async () => {
    const report = await fixtureReport((states) => states.map((s) => (s.name === 'prod/db/orders' ? { ...s, tags: { ...s.tags, 'vigil:exempt:required-tags': 'someday, maybe' } } : s)));
    const page = await open(renderHtml(report), false);
    expect(await page.locator('#exemptions tr.ex-active').innerText()).toContain('partner/shared-token');
    expect(await page.locator('#exemptions tr.ex-expired').innerText()).toContain('ignored: expired at the end of 2026-06-30');
    expect(await page.locator('#exemptions tr.ex-unusable').innerText()).toContain('prod/db/orders');
    const params = await page.locator('#params').innerText();
    expect(params).toContain('requiredTagKeys');
    expect(params).toContain('["team","owner"]');
    expect(params).toContain('maxRotationIntervalDays');
    await page.close();
  });

  it('says what was resolved and what is new since the previous report', async () => {
    const previous = await fixtureReport((states) => states.filter((s) => s.name !== 'prod/api/payments-key'));
    const current = await fixtureReport((states) => states.filter((s) => s.name !== 'legacy/ftp'));
    const page = await open(renderHtml(current, { diff: diffReports(current, previous) }), false);
    const resolved = await page.locator('#diff .resolved li').allInnerTexts();
    expect(resolved).toHaveLength(5);
    expect(resolved.every((t) => t.startsWith('legacy/ftp') && t.endsWith('the secret is gone'))).toBe(true);
    expect(await page.locator('#diff .new li').count()).toBe(6);
    await page.close();
  });

  it('shows hostile names as text and runs none of them', async () => {
    const report = await fixtureReport((states) => states.slice(0, 1).map((s) => ({ ...s, name: 'prod/<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>' })));
    const page = await open(renderHtml(report));
    expect(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned)).toBeUndefined();
    await page.locator('#passing > summary').click();
    expect((await visibleRows(page))[0]).toContain('<script>window.pwned=2</script>');
    await page.close();
  });

  it('loads nothing from outside the file', () => {
    expect(outside).toEqual([]);
  });
});
