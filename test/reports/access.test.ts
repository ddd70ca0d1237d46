import { describe, expect, it } from 'vitest';
import { ACCESS_LOOKUPS_IN_FLIGHT, accessPeriod, readersOfSecrets, storeAccess } from '../../src/audit/index.js';
import { DEFAULT_PARAMS, evaluateSecrets, listControls } from '../../src/controls/index.js';
import type { SecretState } from '../../src/model/index.js';
import { accessCsvWriter, HTML_ACCESS_SECRETS, htmlAccessPart, htmlWriter, jsonWriter, markdownWriter, STREAM_CHUNK, streamReport, StringSink, type FormatWriter } from '../../src/reports/index.js';
import { FileStateStore, type ReaderBaseline } from '../../src/state/index.js';
import { secretState } from '../helpers/state.js';

const DAY = 86_400;
const NOW = Date.UTC(2026, 10, 27) / 1000;
const APP = 'arn:aws:iam::123456789012:role/service/orders-api';
const NEWCOMER = 'arn:aws:iam::123456789012:user/ci/deploy-bot';
const PROBER = 'arn:aws:iam::123456789012:role/ci/probe';

function reader(secretArn: string, principal: string, firstSeen: number, lastSeen: number, edit: Partial<ReaderBaseline> = {}): ReaderBaseline {
  return { secretArn, principal, principalAccount: '123456789012', firstSeen, lastSeen, reads: 10, denied: 0, sourceIps: ['10.0.0.1'], vpcEndpoints: ['vpce-0a1b2c3d4e5f60718'], userAgents: ['aws-sdk-java/2.25.16'], ...edit };
}

/** A store holding `readers`, and `states` streamed through every format with its access view. */
async function sweepWith(states: SecretState[], readers: ReaderBaseline[], previousAt?: number) {
  const store = await FileStateStore.open();
  await store.updateReaders(readers);
  const access = storeAccess(store, accessPeriod(NOW, DEFAULT_PARAMS, previousAt));
  const sinks = { json: new StringSink(), csv: new StringSink(), html: new StringSink(), md: new StringSink() };
  const writers: FormatWriter[] = [jsonWriter(sinks.json), accessCsvWriter(sinks.csv), htmlWriter(sinks.html), markdownWriter(sinks.md)];
  const streamed = await streamReport({
    states,
    scope: { source: 'live', account: '123456789012', regions: ['us-east-1'] },
    controls: await listControls(),
    params: DEFAULT_PARAMS,
    evaluatedAt: NOW,
    generatedAt: NOW,
    writers,
    access,
    evaluate: async (chunk) => evaluateSecrets(chunk, { now: NOW, params: DEFAULT_PARAMS, lastReaders: await access.look(chunk) }),
  });
  return { streamed, text: { json: sinks.json.text(), csv: sinks.csv.text(), html: sinks.html.text(), md: sinks.md.text() } };
}

describe('the access report', () => {
  const orders = secretState({ name: 'prod/orders/db', lastAccessedAt: NOW - 3 * DAY });
  const idle = secretState({ name: 'prod/idle/token', lastAccessedAt: NOW - 200 * DAY, createdAt: NOW - 400 * DAY });

  it('lists the readers of the period only: one last seen on its first day is in, one a second older is not', async () => {
    const from = NOW - 90 * DAY;
    const { text } = await sweepWith([orders], [reader(orders.arn, APP, from - 30 * DAY, from), reader(orders.arn, 'arn:aws:iam::123456789012:role/old', from - 30 * DAY, from - 1)]);
    const line = JSON.parse(text.json).secrets[0];
    expect(line.readers.map((r: { principal: string }) => r.principal)).toEqual([APP]);
    expect(line.readers[0].lastSeen).toBe('2026-08-29T00:00:00.000Z');
  });

  it('marks a reader first seen within learningDays as new in every format, and says so in the head', async () => {
    const { text } = await sweepWith([orders], [reader(orders.arn, APP, NOW - 60 * DAY, NOW - DAY), reader(orders.arn, NEWCOMER, NOW - 13 * DAY, NOW - 2 * DAY, { reads: 2 })]);
    const doc = JSON.parse(text.json);
    expect(doc.access).toMatchObject({ audited: true, secretsRead: 1, principals: 2, secretsWithNewReaders: 1, newReadersBasis: 'learningDays', newReadersSince: '2026-11-13T00:00:00.000Z' });
    expect(doc.secrets[0].newReaders).toEqual([NEWCOMER]);
    expect(text.csv.split('\r\n').filter((row) => row.includes(NEWCOMER))[0]).toMatch(/,new,/);
    expect(text.csv.split('\r\n').filter((row) => row.includes(APP))[0]).toMatch(/,123456789012,,/);
    expect(text.html).toContain(`<tr class="new-reader"><td>${NEWCOMER} <span class="new">new reader</span>`);
    expect(text.html).not.toContain(`<tr class="new-reader"><td>${APP}`);
    expect(text.md).toContain(`| prod/orders/db | ${NEWCOMER} **new reader** | 2 |`);
  });

  it('lists a principal only ever denied with its denials, but not as a reader: not new, not counted, the secret not read', async () => {
    const { text } = await sweepWith([orders], [reader(orders.arn, PROBER, NOW - 2 * DAY, NOW - DAY, { reads: 0, denied: 6 })]);
    const doc = JSON.parse(text.json);
    expect(doc.secrets[0].readers).toMatchObject([{ principal: PROBER, reads: 0, denied: 6 }]);
    expect(doc.secrets[0].newReaders).toEqual([]);
    expect(doc.access).toMatchObject({ secretsRead: 0, secretsUnread: 1, principals: 0, secretsWithNewReaders: 0 });
    expect(text.csv.split('\r\n').filter((row) => row.includes(PROBER))[0]).not.toMatch(/,new,/);
  });

  it('counts the reads still in the principal\'s window, not yet written to the reader\'s item', async () => {
    const store = await FileStateStore.open();
    await store.updateReaders([reader(orders.arn, APP, NOW - 10 * DAY, NOW - DAY, { reads: 3 })]);
    const pending = { reads: 4, denied: 1, firstSeen: (NOW - DAY) * 1000, lastSeen: (NOW - DAY + 600) * 1000, sourceIps: ['10.0.9.9'], vpcEndpoints: [], userAgents: [] };
    await store.putAuditItem(`WINDOW#${APP}`, { principal: APP, reads: {}, denials: {}, pending: { [orders.arn]: pending } }, null);
    const seen = await readersOfSecrets(store, [orders.arn], accessPeriod(NOW, DEFAULT_PARAMS));
    expect(seen.readers.get(orders.arn)?.[0]).toMatchObject({ reads: 7, denied: 1, lastSeen: NOW - DAY + 600, sourceIps: ['10.0.0.1', '10.0.9.9'] });
    expect(seen.lastReaders.get(orders.arn)).toEqual({ principal: APP, lastSeen: NOW - DAY + 600 });
  });

  it('counts a reader as new since the previous report when there is one', async () => {
    const readers = [reader(orders.arn, NEWCOMER, NOW - 5 * DAY, NOW - DAY)];
    expect(JSON.parse((await sweepWith([orders], readers, NOW - 6 * DAY)).text.json).secrets[0].newReaders).toEqual([NEWCOMER]);
    expect(JSON.parse((await sweepWith([orders], readers, NOW - 4 * DAY)).text.json).secrets[0].newReaders).toEqual([]);
  });

  it('names the readers that stopped: listed in the previous report\'s period, not in this one', async () => {
    const from = NOW - 90 * DAY;
    const readers = [
      reader(orders.arn, APP, NOW - 200 * DAY, NOW - DAY),
      // Last read 95 days ago: in the period of a report 10 days old, not in today's.
      reader(orders.arn, 'arn:aws:iam::123456789012:role/retired-batch', NOW - 300 * DAY, from - 5 * DAY),
      // Last read 120 days ago: already out of that report's period too.
      reader(orders.arn, 'arn:aws:iam::123456789012:role/long-gone', NOW - 300 * DAY, from - 30 * DAY),
    ];
    const { text } = await sweepWith([orders], readers, NOW - 10 * DAY);
    const doc = JSON.parse(text.json);
    expect(doc.secrets[0].goneReaders).toEqual([{ principal: 'arn:aws:iam::123456789012:role/retired-batch', lastSeen: '2026-08-24T00:00:00.000Z' }]);
    expect(doc.access).toMatchObject({ secretsWithGoneReaders: 1, goneReaders: [{ arn: orders.arn, name: 'prod/orders/db', principal: 'arn:aws:iam::123456789012:role/retired-batch' }] });
    expect(doc.access.principals).toBe(1);
    expect(text.csv).toMatch(/,arn:aws:iam::123456789012:role\/retired-batch,,gone,,2026-08-24T00:00:00.000Z,/);
    expect(text.html).toContain('<tr class="gone-reader"><td>arn:aws:iam::123456789012:role/retired-batch <span class="gone">stopped reading</span>');
    expect(text.md).toContain('| prod/orders/db | arn:aws:iam::123456789012:role/retired-batch **stopped reading** |');
    expect(text.json).not.toContain('long-gone');
  });

  it('has the unused control cite the last principal that read, not one only ever denied', async () => {
    const { streamed } = await sweepWith(
      [idle],
      [reader(idle.arn, APP, NOW - 300 * DAY, NOW - 200 * DAY), reader(idle.arn, PROBER, NOW - 2 * DAY, NOW - DAY, { reads: 0, denied: 4 })],
    );
    const unused = streamed.problems.find((f) => f.controlId === 'unused');
    expect(unused?.reason).toBe(`Not accessed for 200 days; the limit is 90 days. The last read vigil saw was by ${APP} at 2026-05-11T00:00:00Z.`);
  });

  it('defuses a user agent a spreadsheet would run as a formula, and escapes it in the HTML', async () => {
    const { text } = await sweepWith([orders], [reader(orders.arn, APP, NOW - 9 * DAY, NOW - DAY, { userAgents: ['=HYPERLINK("http://x.example")'] })]);
    expect(text.csv).toContain(`"'=HYPERLINK(""http://x.example"")"`);
    const hostile = await sweepWith([orders], [reader(orders.arn, APP, NOW - 9 * DAY, NOW - DAY, { userAgents: ['<script>alert(1)</script>'] })]);
    expect(hostile.text.html).not.toContain('<script>alert(1)');
    expect(hostile.text.html).toContain('&#60;script&#62;alert(1)');
  });

  it('lists in the HTML the secrets with new readers first, and says when it lists only the first of them', () => {
    const part = htmlAccessPart(() => new StringSink());
    const view = (principal: string) => ({ secretArn: 'x', principal, firstSeen: '', lastSeen: '', reads: 1, denied: 0, sourceIps: [], vpcEndpoints: [], userAgents: [] });
    for (let i = 0; i <= HTML_ACCESS_SECRETS; i++) part.add({ access: { readers: [view(APP)], newReaders: i === 7 ? [APP] : [], goneReaders: [] } }, `s${i}`);
    const out = new StringSink();
    part.drainInto(out, { audited: false, reason: 'not used here' });
    const html = out.text();
    expect(html.indexOf('data-secret="s7"')).toBeLessThan(html.indexOf('data-secret="s0"'));
    expect(html).toContain(`The first ${HTML_ACCESS_SECRETS} of the ${HTML_ACCESS_SECRETS + 1} secrets read or no longer read are listed here`);
    expect(html).not.toContain(`data-secret="s${HTML_ACCESS_SECRETS}"`);
  });

  it('looks the readers up one lookup per secret, at most 16 at once', async () => {
    const calls: string[] = [];
    let inFlight = 0;
    let most = 0;
    const store = {
      getReaders: async (arn: string) => {
        calls.push(arn);
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inFlight -= 1;
        return [reader(arn, APP, NOW - 10 * DAY, NOW - DAY)];
      },
      getAuditItems: async () => new Map(),
    };
    const arns = Array.from({ length: 100 }, (_, i) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:s${i}-Ab12Cd`);
    const seen = await readersOfSecrets(store, [...arns, arns[0] as string], accessPeriod(NOW, DEFAULT_PARAMS));
    expect(calls.sort()).toEqual([...arns].sort());
    expect(most).toBe(ACCESS_LOOKUPS_IN_FLIGHT);
    expect(seen.readers.size).toBe(100);
  });

  it('looks up each chunk of secrets as it is judged, after the chunk before was written: memory holds one chunk', async () => {
    const states = Array.from({ length: STREAM_CHUNK * 3 }, (_, i) => secretState({ name: `app/s${String(i).padStart(3, '0')}` }));
    const store = await FileStateStore.open();
    await store.updateReaders(states.map((s) => reader(s.arn, APP, NOW - 10 * DAY, NOW - DAY)));
    const events: string[] = [];
    const counting = {
      getReaders: (arn: string) => (events.push(`lookup ${arn}`), store.getReaders(arn)),
      getAuditItems: (keys: readonly string[]) => (events.push(`windows ${keys.length}`), store.getAuditItems(keys)),
    };
    const access = storeAccess(counting, accessPeriod(NOW, DEFAULT_PARAMS));
    const witness: FormatWriter = { add: (findings, secret) => void events.push(`write ${findings[0]?.resource.arn} ${secret?.access?.readers.length}`), finish: () => undefined };
    await streamReport({
      states,
      scope: { source: 'live', account: '123456789012', regions: ['us-east-1'] },
      controls: await listControls(),
      params: DEFAULT_PARAMS,
      evaluatedAt: NOW,
      generatedAt: NOW,
      writers: [witness],
      access,
      evaluate: async (chunk) => evaluateSecrets(chunk, { now: NOW, params: DEFAULT_PARAMS, lastReaders: await access.look(chunk) }),
    });
    expect(events.filter((e) => e.startsWith('lookup'))).toHaveLength(states.length);
    // The reads not yet in the readers' items: one batch of window lookups per chunk, of the one principal.
    expect(events.filter((e) => e.startsWith('windows'))).toEqual(['windows 1', 'windows 1', 'windows 1']);
    // Each secret written with its one reader, and the lookups of chunk k + 1 only after chunk k was written.
    expect(events.filter((e) => e.startsWith('write')).every((e) => e.endsWith(' 1'))).toBe(true);
    const firstLookupOfChunk2 = events.indexOf(`lookup ${states[STREAM_CHUNK]?.arn}`);
    const lastWriteOfChunk1 = events.indexOf(`write ${states[STREAM_CHUNK - 1]?.arn} 1`);
    expect(lastWriteOfChunk1).toBeGreaterThan(-1);
    expect(firstLookupOfChunk2).toBeGreaterThan(lastWriteOfChunk1);
    expect(access.of(states[0]?.arn as string)).toBeUndefined();
  });
});
