import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listControls } from '../../src/controls/index.js';
import { frameworkView, renderHtml } from '../../src/reports/index.js';
import { launchBrowser } from '../helpers/browser.js';
import { fixtureReport } from '../helpers/reports.js';

let browser: Browser;
const outside: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

async function open(html: string): Promise<Page> {
  const file = join(mkdtempSync(join(tmpdir(), 'vigil-html-')), 'report.html');
  writeFileSync(file, html);
  const page = await browser.newPage();
  page.on('request', (r) => {
    if (!r.url().startsWith('file://')) outside.push(r.url());
  });
  await page.goto(`file://${file}`);
  return page;
}

const rowsText = (page: Page) => page.locator('#findings tbody tr').allInnerTexts();

describe('the HTML report, as a person sees it in a browser', () => {
  it('shows a compliance score per control and opens on the failing findings', async () => {
    const report = await fixtureReport();
    const page = await open(renderHtml(report, { frameworks: frameworkView(report, await listControls()) }));
    expect(await page.title()).toBe('vigil findings — 111122223333');
    expect(await page.locator('.card[data-control="no-public-principal"] .score').innerText()).toBe('92.3%');
    expect(await page.locator('.card[data-control="rotation-enabled"] .cnt').innerText()).toContain('7 fail (1 exempted)');
    expect(await page.locator('#count').innerText()).toBe('24 of 135 findings');
    expect(await page.locator('.fw-not-met').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(tmpdir(), 'vigil-report.png'), fullPage: true });
    await page.close();
  });

  it('filters by text, status and severity, and sorts by a column', async () => {
    const page = await open(renderHtml(await fixtureReport()));
    await page.fill('#q', 'payments-key');
    expect((await rowsText(page)).every((t) => t.includes('prod/api/payments-key'))).toBe(true);
    expect(await page.locator('#count').innerText()).toBe('6 of 135 findings');
    await page.fill('#q', '');
    await page.selectOption('#fStatus', '');
    await page.selectOption('#fSeverity', 'CRITICAL');
    expect(await page.locator('#count').innerText()).toBe('15 of 135 findings');
    await page.selectOption('#fSeverity', '');
    await page.selectOption('#fStatus', 'FAIL');
    await page.click('th[data-key="severity"]');
    expect((await rowsText(page))[0]).toMatch(/^CRITICAL/);
    await page.click('th[data-key="severity"]');
    expect((await rowsText(page))[0]).toMatch(/^LOW/);
    await page.close();
  });

  it('shows the evidence and fix behind a finding, and marks exempted failures', async () => {
    const page = await open(renderHtml(await fixtureReport()));
    await page.fill('#q', 'payments-key');
    const row = page.locator('#findings tbody tr', { hasText: 'no-public-principal' });
    await row.locator('summary').click();
    expect(await row.locator('pre').innerText()).toContain('"publicStatements"');
    expect(await row.innerText()).toContain('Fix: Remove the statement');
    await page.fill('#q', 'partner/shared-token');
    expect(await page.locator('.exempt').innerText()).toBe('exempt until 2026-12-31');
    await page.check('#fExempt');
    expect(await page.locator('.exempt').count()).toBe(0);
    await page.close();
  });

  it('shows hostile names as text and runs none of them', async () => {
    const report = await fixtureReport((states) => states.slice(0, 1).map((s) => ({ ...s, name: 'prod/<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>' })));
    const page = await open(renderHtml(report));
    await page.selectOption('#fStatus', '');
    expect(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect((await rowsText(page))[0]).toContain('<script>window.pwned=2</script>');
    await page.close();
  });

  it('loads nothing from outside the file', () => {
    expect(outside).toEqual([]);
  });
});
