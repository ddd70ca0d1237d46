import type { Control } from '../controls/types.js';
import type { ReportHead } from './report.js';

export interface RequirementView {
  framework: string;
  requirement: string;
  controls: string[];
  /** met: every mapped control passes (or fails only where exempted); not-met: an unexempted failure; undecided: an ERROR and no failure. */
  state: 'met' | 'not-met' | 'undecided';
  failing: number;
  errors: number;
}

/** Which requirements of each framework the account meets, from the controls' mappings and the counts per control. */
export function frameworkView(report: Pick<ReportHead, 'summary'>, controls: readonly Control[]): RequirementView[] {
  const byControl = new Map(report.summary.byControl.map((c) => [c.controlId, c]));
  const byRequirement = new Map<string, RequirementView>();
  for (const control of controls) {
    const summary = byControl.get(control.id);
    const failing = summary ? summary.counts.FAIL - summary.exemptedFailures : 0;
    const errors = summary?.counts.ERROR ?? 0;
    for (const [framework, requirements] of Object.entries(control.frameworks)) {
      for (const requirement of requirements) {
        const key = `${framework} ${requirement}`;
        const view = byRequirement.get(key) ?? { framework, requirement, controls: [], state: 'met', failing: 0, errors: 0 };
        view.controls.push(control.id);
        view.failing += failing;
        view.errors += errors;
        view.state = view.failing > 0 ? 'not-met' : view.errors > 0 ? 'undecided' : 'met';
        byRequirement.set(key, view);
      }
    }
  }
  return [...byRequirement.values()].sort((a, b) => a.framework.localeCompare(b.framework) || a.requirement.localeCompare(b.requirement, undefined, { numeric: true }));
}

/** A requirement's state in words, as every format says it. */
export function requirementState(r: RequirementView): string {
  if (r.state === 'met') return 'met';
  if (r.state === 'not-met') return `not met (${r.failing} failing)`;
  return `undecided (${r.errors} ${r.errors === 1 ? 'error' : 'errors'})`;
}
