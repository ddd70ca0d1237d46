import type { Finding } from '../controls/types.js';
import type { SecretState } from '../model/index.js';
import type { AccessSummary, SecretAccess } from './access.js';
import { DiffTracker, type PreviousFailures, type ReportDiff } from './diff.js';
import { frameworkView, type RequirementView } from './frameworks.js';
import { ReportTally, type ReportHead, type ReportHeadInput, type ReportScope } from './report.js';
import { changesOf, type FormatWriter } from './writer.js';

/** Secrets evaluated at a time: the findings of one chunk are all a streamed sweep holds of the passing ones. */
export const STREAM_CHUNK = 50;

export interface StreamInput extends Omit<ReportHeadInput, 'scope'> {
  /** The secrets, held or as they are read (a snapshot streamed from its file). */
  states: Iterable<SecretState> | AsyncIterable<SecretState>;
  /** The scope, or how to know it once every secret was read (a streamed snapshot may state its account last). */
  scope: ReportScope | (() => ReportScope);
  /** One Finding[] per state, in order (the controls engine's evaluateSecrets). */
  evaluate: (states: readonly SecretState[]) => Promise<Finding[][]>;
  writers: readonly FormatWriter[];
  previous?: PreviousFailures;
  /** The access view: each secret's readers beside its findings (asked after its chunk is judged), the summary in the head. */
  access?: { of(arn: string): SecretAccess | undefined; summary(): AccessSummary };
}

/** What a streamed sweep keeps: the head and the findings that need action (FAIL and ERROR), for --fail-on and the terminal. */
export interface StreamedReport {
  head: ReportHead;
  problems: Finding[];
  frameworks: RequirementView[];
  diff?: ReportDiff;
  access?: AccessSummary;
}

/**
 * Evaluates the secrets a chunk at a time and hands each secret's findings to every writer as they come: memory holds the
 * secrets, the counts and the failures, never every finding, nor any report as one string.
 */
export async function streamReport(input: StreamInput): Promise<StreamedReport> {
  const tally = new ReportTally({ ...input, scope: typeof input.scope === 'function' ? undefined : input.scope });
  const tracker = input.previous ? new DiffTracker(input.previous) : undefined;
  const problems: Finding[] = [];
  const judge = async (chunk: SecretState[]) => {
    const evaluated = await input.evaluate(chunk);
    chunk.forEach((state, i) => {
      const findings = evaluated[i] ?? [];
      tally.add(state, findings);
      for (const f of findings) if (f.status === 'FAIL' || f.status === 'ERROR') problems.push(f);
      const changes = tracker ? changesOf(findings, (f) => tracker.see(f)) : undefined;
      const secret = input.access || changes ? { ...state, ...(input.access ? { access: input.access.of(state.arn) } : {}), ...(changes ? { changes } : {}) } : state;
      for (const writer of input.writers) writer.add(findings, secret);
    });
  };
  let chunk: SecretState[] = [];
  for await (const state of input.states) {
    chunk.push(state);
    if (chunk.length < STREAM_CHUNK) continue;
    await judge(chunk);
    chunk = [];
  }
  if (chunk.length) await judge(chunk);
  const head = tally.head(typeof input.scope === 'function' ? input.scope() : input.scope);
  const frameworks = frameworkView(head, input.controls);
  const diff = tracker?.diff(head.scope, head.exemptions);
  const access = input.access?.summary();
  for (const writer of input.writers) writer.finish(head, { frameworks, ...(diff ? { diff } : {}), ...(access ? { access } : {}) });
  return { head, problems, frameworks, ...(diff ? { diff } : {}), ...(access ? { access } : {}) };
}
