// What a restore did, honestly: every change applied or failed, every difference the plan
// said it cannot put right, every service whose plan could not be made. A restore is complete
// only when all three lists of trouble are empty; otherwise the exit code says how it ended
// and the closing advice names the command that shows what is left:
//   0  every planned change applied, nothing left undone
//   1  a change failed to apply, or a service could not be planned
//   3  every planned change applied, but the plan left differences it cannot put right
import { shellWord } from '../runbook/spec.js';
import type { AppliedChange, Finding, RestorePlan, ServicePlan } from './plan.js';

export interface LeftUndone extends Finding {
  service: string;
  /** why: "cannot be restored", "failed", "not planned" */
  kind: 'cannot' | 'failed' | 'not planned';
}

export interface RestoreOutcome {
  applied: number;
  failed: AppliedChange[];
  /** everything of the plan that is not so live: what it cannot do, what failed, what was not planned */
  leftUndone: LeftUndone[];
  exitCode: 0 | 1 | 3;
  /** `snap diff VERSION live PATH…` for the parts with something left, or null when complete */
  whatIsLeft: string | null;
}

/** The folders (diff paths) of the services a list of findings is about. */
function pathsOf(services: readonly ServicePlan[]): string[] {
  return services.flatMap((s) => (s.selection.length ? s.selection.map((p) => `${s.collector.root}/${p}`) : [s.collector.root]));
}

export function whatIsLeftCommand(plan: RestorePlan, services: readonly ServicePlan[]): string {
  return ['snap', 'diff', shellWord(plan.version.name), 'live', ...pathsOf(services).map(shellWord)].join(' ');
}

export function outcomeOf(plan: RestorePlan, results: readonly AppliedChange[]): RestoreOutcome {
  const failed = results.filter((r) => r.error);
  const leftUndone: LeftUndone[] = [];
  const troubled = new Set<ServicePlan>();
  for (const s of plan.services) {
    if (s.error) {
      leftUndone.push({ service: s.collector.id, resource: s.collector.root, message: `could not be planned: ${s.error}`, kind: 'not planned' });
      troubled.add(s);
    }
    for (const u of s.undone) {
      leftUndone.push({ service: s.collector.id, ...u, kind: 'cannot' });
      troubled.add(s);
    }
    for (const f of failed.filter((r) => r.service === s.collector.id)) {
      leftUndone.push({ service: s.collector.id, resource: f.change.resource, message: `${f.change.action} failed: ${f.error}`, kind: 'failed' });
      troubled.add(s);
    }
  }
  const exitCode = failed.length || plan.services.some((s) => s.error) ? 1 : leftUndone.length ? 3 : 0;
  const services = plan.services.filter((s) => troubled.has(s));
  return { applied: results.length - failed.length, failed, leftUndone, exitCode, whatIsLeft: services.length ? whatIsLeftCommand(plan, services) : null };
}

/** The plan's differences it cannot put right, before anything is applied (a dry run's view). */
export function undoneInPlan(plan: RestorePlan): LeftUndone[] {
  return outcomeOf(plan, []).leftUndone;
}
