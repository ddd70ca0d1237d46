import type { Control } from '../controls/types.js';
import { isExemptedFailure, type Report } from './report.js';

export interface RequirementView {
  framework: string;
  requirement: string;
  controls: string[];
  /** met: every mapped control passes (or fails only where exempted); not-met: an unexempted failure; undecided: an ERROR and no failure. */
  state: 'met' | 'not-met' | 'undecided';
  failing: number;
  errors: number;
}

/** Which requirements of each framework the account meets, from the controls' mappings. */
export function frameworkView(report: Report, controls: Control[]): RequirementView[] {
  const byRequirement = new Map<string, RequirementView>();
  for (const control of controls) {
    for (const [framework, requirements] of Object.entries(control.frameworks)) {
      for (const requirement of requirements) {
        const key = `${framework} ${requirement}`;
        const view = byRequirement.get(key) ?? { framework, requirement, controls: [], state: 'met', failing: 0, errors: 0 };
        view.controls.push(control.id);
        byRequirement.set(key, view);
      }
    }
  }
  for (const view of byRequirement.values()) {
    const findings = report.findings.filter((f) => view.controls.includes(f.controlId));
    view.failing = findings.filter((f) => f.status === 'FAIL' && !isExemptedFailure(f)).length;
    view.errors = findings.filter((f) => f.status === 'ERROR').length;
    view.state = view.failing > 0 ? 'not-met' : view.errors > 0 ? 'undecided' : 'met';
  }
  return [...byRequirement.values()].sort((a, b) => a.framework.localeCompare(b.framework) || a.requirement.localeCompare(b.requirement, undefined, { numeric: true }));
}
