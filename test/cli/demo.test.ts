import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { EVENTS_DIR } from '../helpers/fixtures.js';

describe('vigil demo (fixture replay)', () => {
  it('says what each recorded event is, who did it, and which calls failed', async () => {
    const lines: string[] = [];
    await buildProgram((line) => lines.push(line)).parseAsync(['node', 'vigil', 'demo', '--events-dir', EVENTS_DIR]);
    const output = lines.join('\n');
    expect(output).toMatch(/DeleteSecret-force\.json\s+DeleteSecret on prod\/api\/payments-key by arn:aws:sts::111122223333:assumed-role\/AWSReservedSSO_PlatformAdmin/);
    expect(output).toMatch(/DeleteSecret-access-denied\.json\s+DeleteSecret on prod\/db\/orders by arn:aws:iam::111122223333:user\/alice FAILED \(AccessDenied\)/);
    expect(output).toMatch(/RotationFailed\.json\s+RotationFailed on prod\/db\/reporting by secretsmanager\.amazonaws\.com/);
    expect(output).toMatch(/ScheduledNotification\.json\s+AWS Config ScheduledNotification for rule vigil-unused \(every secret\)/);
    expect(output).not.toContain('unreadable');
  });
});
