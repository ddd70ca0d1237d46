import type { ReaderView } from '../audit/types.js';
import { csvCell } from './csv.js';
import type { Spool, SpoolFactory, TextSink } from './sinks.js';
import { escapeHtml, plural, type FormatWriter, type SecretContext } from './writer.js';

/** The period an access report covers, and since when a reader counts as new. Epoch seconds. */
export interface AccessPeriod {
  /** The evaluation time. */
  now: number;
  /** `accessReportDays`: readers last seen before `now` minus this many days are not listed. */
  days: number;
  /** A reader first seen at or after this is new. */
  newSince: number;
  /** Why `newSince` is what it is: the previous report's time, or `learningDays` before now. */
  newSinceBasis: 'previous-report' | 'learningDays';
}

/** Who read one secret within the period, as the state store's baselines say. */
export interface SecretAccess {
  /** DESIGN.md's reader shape, most recently seen first. */
  readers: ReaderView[];
  /** Principals among `readers` first seen since the period's `newSince`. */
  newReaders: string[];
  /** Readers of the previous report's period (the one `newSince` stands for) that have not read since this one began. */
  goneReaders: GoneReader[];
}

/** A principal that stopped reading a secret, and when it last did. */
export interface GoneReader {
  principal: string;
  lastSeen: string;
}

/** The principal that read the secret last (a successful read), whenever that was: what the `unused` control cites. */
export interface LastReader {
  principal: string;
  /** Epoch seconds. */
  lastSeen: number;
}

/** A new reader, as the head lists it. */
export interface NewReaderEntry {
  arn: string;
  name: string;
  principal: string;
  firstSeen: string;
}

/** The head's `access`: what the audit saw over the whole sweep, or why there is no access view. */
export type AccessSummary =
  | {
      audited: true;
      periodDays: number;
      since: string;
      newReadersSince: string;
      newReadersBasis: AccessPeriod['newSinceBasis'];
      /** Secrets with at least one reader in the period, and those without. */
      secretsRead: number;
      secretsUnread: number;
      /** Distinct principals that read any swept secret in the period. */
      principals: number;
      secretsWithNewReaders: number;
      /** The first NEW_READERS_LISTED new readers; `secretsWithNewReaders` and the per-secret lists hold them all. */
      newReaders: NewReaderEntry[];
      /** Secrets a reader of the previous period stopped reading, and the first NEW_READERS_LISTED of those readers. */
      secretsWithGoneReaders: number;
      goneReaders: (GoneReader & { arn: string; name: string })[];
    }
  | { audited: false; reason: string };

/** New readers the head lists; every one is under its secret. */
export const NEW_READERS_LISTED = 100;

/** Why a sweep without a state store (a snapshot, or a live sweep without --state) shows no readers. */
export const NOT_AUDITED = 'access was not audited: the sweep has no state store, where vigil audit keeps who read each secret; give --state FILE to list them';

/** Why an organisation sweep's reports show no readers (each account's own sweep with a state store lists them). */
export const NOT_AUDITED_ORGANIZATION = 'access was not audited: an organisation sweep does not list readers yet; the sweep of each account with a state store (vigil sweep --state, the sweep Lambda) does';

/** Adds up the access view a secret at a time: a count per secret, and the distinct principals. */
export class AccessTally {
  private secretsRead = 0;
  private secretsUnread = 0;
  private secretsWithNewReaders = 0;
  private secretsWithGoneReaders = 0;
  private readonly goneReaders: (GoneReader & { arn: string; name: string })[] = [];
  private readonly principals = new Set<string>();
  private readonly newReaders: NewReaderEntry[] = [];

  constructor(private readonly period: AccessPeriod) {}

  add(secret: { arn: string; name: string }, access: SecretAccess): void {
    // A principal only ever denied read nothing: it is listed under the secret, but the secret counts as read only by a reader.
    const readers = access.readers.filter((r) => r.reads > 0);
    if (readers.length) this.secretsRead += 1;
    else this.secretsUnread += 1;
    for (const r of readers) this.principals.add(r.principal);
    if (access.newReaders.length) this.secretsWithNewReaders += 1;
    for (const principal of access.newReaders) {
      if (this.newReaders.length >= NEW_READERS_LISTED) break;
      const reader = access.readers.find((r) => r.principal === principal);
      this.newReaders.push({ arn: secret.arn, name: secret.name, principal, firstSeen: reader?.firstSeen ?? '' });
    }
    if (access.goneReaders.length) this.secretsWithGoneReaders += 1;
    for (const gone of access.goneReaders.slice(0, NEW_READERS_LISTED - this.goneReaders.length)) this.goneReaders.push({ arn: secret.arn, name: secret.name, ...gone });
  }

  summary(): AccessSummary {
    const iso = (epoch: number) => new Date(epoch * 1000).toISOString();
    return {
      audited: true,
      periodDays: this.period.days,
      since: iso(this.period.now - this.period.days * 86_400),
      newReadersSince: iso(this.period.newSince),
      newReadersBasis: this.period.newSinceBasis,
      secretsRead: this.secretsRead,
      secretsUnread: this.secretsUnread,
      principals: this.principals.size,
      secretsWithNewReaders: this.secretsWithNewReaders,
      newReaders: this.newReaders,
      secretsWithGoneReaders: this.secretsWithGoneReaders,
      goneReaders: this.goneReaders,
    };
  }
}

/** The access summary in one sentence, the same in every format. */
export function accessSentence(access: AccessSummary): string {
  if (!access.audited) return `Access: ${access.reason}.`;
  const gone = access.secretsWithGoneReaders ? `, ${access.secretsWithGoneReaders} with readers that stopped` : '';
  const newPart = `${access.secretsWithNewReaders ? `${access.secretsWithNewReaders} with new readers` : 'none with a new reader'}${gone} since ${access.newReadersSince}`;
  return `Access in the last ${access.periodDays} days (since ${access.since}): ${plural(access.secretsRead, 'secret')} read by ${plural(access.principals, 'principal')}, ${access.secretsUnread} not read; ${newPart}.`;
}

/** What report.json adds to a secret's line: its readers in the period and which of them are new. */
export function jsonAccess(secret: SecretContext | undefined): { readers?: ReaderView[]; newReaders?: string[]; goneReaders?: GoneReader[] } {
  const access = secret?.access;
  return access ? { readers: access.readers, newReaders: access.newReaders, goneReaders: access.goneReaders } : {};
}

const ACCESS_CSV_HEADER = ['account', 'region', 'secret', 'arn', 'principal', 'principal_account', 'change', 'first_seen', 'last_seen', 'reads', 'denied', 'source_ips', 'vpc_endpoints', 'user_agents'];

/**
 * access.csv: one row per secret and reader in the period (`change` new, or empty), then one per reader that stopped
 * (`change` gone: only its principal and when it last read), written as the secrets arrive. Principals, agents and names
 * come from whoever can call AWS: a cell a spreadsheet would run as a formula is defused as findings.csv does.
 */
export function accessCsvWriter(out: TextSink): FormatWriter {
  out.write(`${ACCESS_CSV_HEADER.join(',')}\r\n`);
  return {
    add(findings, secret) {
      const r = findings[0]?.resource;
      const access = secret?.access;
      if (!r || !access) return;
      const fresh = new Set(access.newReaders);
      for (const reader of access.readers) {
        const row = [r.account, r.region, r.name, r.arn, reader.principal, reader.principalAccount ?? '', fresh.has(reader.principal) ? 'new' : '', reader.firstSeen, reader.lastSeen, String(reader.reads), String(reader.denied), reader.sourceIps.join(' '), reader.vpcEndpoints.join(' '), reader.userAgents.join(' | ')];
        out.write(`${row.map(csvCell).join(',')}\r\n`);
      }
      for (const gone of access.goneReaders) out.write(`${[r.account, r.region, r.name, r.arn, gone.principal, '', 'gone', '', gone.lastSeen, '', '', '', '', ''].map(csvCell).join(',')}\r\n`);
    },
    finish() {},
  };
}

/** A format's access part: each secret's readers spooled as they come, the whole written where the format puts it. */
export interface AccessPart {
  add(secret: SecretContext | undefined, name: string): void;
  /** Writes the part (a heading, the summary, the secrets' readers) into `out`; nothing when the sweep has no access view. */
  drainInto(out: TextSink, access: AccessSummary | undefined): void;
}

/** Networks and agents a page shows per reader (a baseline keeps up to 50 of each; report.json and access.csv hold them). */
const SHOWN_PER_READER = 5;

function shortList(items: readonly string[], separator: string): string {
  const shown = items.slice(0, SHOWN_PER_READER).join(separator);
  return items.length > SHOWN_PER_READER ? `${shown}${separator}and ${items.length - SHOWN_PER_READER} more` : shown;
}

const networksOf = (r: ReaderView) => shortList([...r.vpcEndpoints, ...r.sourceIps], ', ');


/** Secrets report.html lists readers for (those with new readers first); report.json and access.csv hold them all. */
export const HTML_ACCESS_SECRETS = 5000;

/** report.html's access section: the summary, then a section per secret read in the period or whose readers stopped (changes first). */
export function htmlAccessPart(spools: SpoolFactory): AccessPart {
  const spooled: { changed?: Spool; unchanged?: Spool } = {};
  let read = 0;
  let listed = 0;
  return {
    add(secret, name) {
      const access = secret?.access;
      if (!access || (!access.readers.length && !access.goneReaders.length)) return;
      read += 1;
      if (listed >= HTML_ACCESS_SECRETS) return;
      listed += 1;
      const fresh = new Set(access.newReaders);
      const gone = access.goneReaders;
      const spool = fresh.size || gone.length ? (spooled.changed ??= spools()) : (spooled.unchanged ??= spools());
      const counts = `${plural(access.readers.length, 'reader')}${fresh.size ? `, ${fresh.size} new` : ''}${gone.length ? `, ${gone.length} stopped` : ''}`;
      spool.write(
        `<section class="secret-access" data-secret="${escapeHtml(name)}"${fresh.size ? ' data-new-readers="1"' : ''}${gone.length ? ' data-gone-readers="1"' : ''}><h3>${escapeHtml(name)} <span class="cnt">${counts}</span></h3>` +
          '<table class="readers"><thead><tr><th>Principal</th><th>Reads</th><th>Denied</th><th>First seen</th><th>Last seen</th><th>Network</th><th>User agents</th></tr></thead><tbody>' +
          access.readers
            .map(
              (r) =>
                `<tr${fresh.has(r.principal) ? ' class="new-reader"' : ''}><td>${escapeHtml(r.principal)}${fresh.has(r.principal) ? ' <span class="new">new reader</span>' : ''}</td><td>${r.reads}</td><td>${r.denied}</td><td>${escapeHtml(r.firstSeen)}</td><td>${escapeHtml(r.lastSeen)}</td>` +
                `<td>${escapeHtml(networksOf(r))}</td><td>${escapeHtml(shortList(r.userAgents, ' · '))}</td></tr>`,
            )
            .join('') +
          gone.map((g) => `<tr class="gone-reader"><td>${escapeHtml(g.principal)} <span class="gone">stopped reading</span></td><td colspan="3"></td><td>${escapeHtml(g.lastSeen)}</td><td colspan="2"></td></tr>`).join('') +
          '</tbody></table></section>\n',
      );
    },
    drainInto(out, access) {
      if (!access) return;
      out.write(`<section id="access"><h2>Who read each secret</h2><p class="summary">${escapeHtml(accessSentence(access))}</p>\n`);
      if (access.audited && !read) out.write('<p>No swept secret was read in the period.</p>\n');
      if (read > listed) out.write(`<p>The first ${listed} of the ${read} secrets read or no longer read are listed here; every one is in report.json and access.csv.</p>\n`);
      spooled.changed?.drainInto(out);
      spooled.unchanged?.drainInto(out);
      out.write('</section>\n');
    },
  };
}

const mdCell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** report.md's access section: the summary, then one table row per secret and reader in the period. */
export function markdownAccessPart(spools: SpoolFactory): AccessPart {
  let spool: Spool | undefined;
  return {
    add(secret, name) {
      const access = secret?.access;
      if (!access || (!access.readers.length && !access.goneReaders.length)) return;
      spool ??= spools();
      const fresh = new Set(access.newReaders);
      for (const r of access.readers) spool.write(`| ${mdCell(name)} | ${mdCell(r.principal)}${fresh.has(r.principal) ? ' **new reader**' : ''} | ${r.reads} | ${r.denied} | ${r.firstSeen} | ${r.lastSeen} | ${mdCell(networksOf(r))} |\n`);
      for (const g of access.goneReaders) spool.write(`| ${mdCell(name)} | ${mdCell(g.principal)} **stopped reading** | | | | ${g.lastSeen} | |\n`);
    },
    drainInto(out, access) {
      if (!access) return;
      out.write(`\n## Who read each secret\n\n${mdCell(accessSentence(access))}\n`);
      if (!spool) return;
      out.write('\n| secret | principal | reads | denied | first seen | last seen | network |\n|---|---|---|---|---|---|---|\n');
      spool.drainInto(out);
    },
  };
}

