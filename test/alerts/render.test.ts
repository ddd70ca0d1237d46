import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS } from '../../src/controls/index.js';
import { alertKey, renderAlert } from '../../src/alerts/index.js';
import { normaliseEventBridgeEvent, type SecretEvent } from '../../src/events/index.js';
import { decide } from '../../src/reactions/index.js';
import { subjectLine } from '../../src/reactions/messages.js';
import { loadFixture } from '../helpers/fixtures.js';
import { knownSecrets } from '../helpers/replay.js';

async function firstAlert(file: string) {
  const decision = await decide(normaliseEventBridgeEvent(loadFixture(`eventbridge/${file}`)) as SecretEvent, { params: DEFAULT_PARAMS, knownSecrets: knownSecrets() });
  const alert = decision.alerts[0];
  if (!alert) throw new Error(`no alert for ${file}`);
  return { alert, decision };
}

describe('an alert as SNS carries it', () => {
  it('has a subject within 100 characters, and bodies for email, Chatbot and machines', async () => {
    const { alert, decision } = await firstAlert('ScheduleKeyDeletion.json');
    const sns = renderAlert(alert, decision);
    expect(sns.Subject.length).toBeLessThanOrEqual(100);
    expect(sns.MessageStructure).toBe('json');
    const bodies = JSON.parse(sns.Message) as Record<string, string>;
    expect(Object.keys(bodies).sort()).toEqual(['default', 'email', 'https', 'lambda', 'sqs']);
    expect(bodies['email']).toContain('Why it matters: Once the key is deleted, these secrets can never be decrypted again');
    expect(bodies['email']).toMatch(/^ {2}- prod\/db\/orders \(arn:aws:secretsmanager:us-east-1:111122223333:secret:prod\/db\/orders-Xy12Ab\)$/m);
    const chatbot = JSON.parse(bodies['https'] ?? '{}') as { version: string; source: string; content: { textType: string; title: string; nextSteps: string[] } };
    expect(chatbot).toMatchObject({ version: '1.0', source: 'custom', content: { textType: 'client-markdown' } });
    expect(chatbot.content.nextSteps[0]).toContain('aws kms cancel-key-deletion --key-id');
    expect(JSON.parse(bodies['default'] ?? '{}')).toMatchObject({ alert: { kind: 'kms-key-deletion-scheduled', severity: 'CRITICAL' } });
  });

  it('carries attributes SNS filter policies can select on', async () => {
    const { alert, decision } = await firstAlert('CancelRotateSecret.json');
    expect(renderAlert(alert, decision).MessageAttributes).toEqual({
      severity: { DataType: 'String', StringValue: 'MEDIUM' },
      kind: { DataType: 'String', StringValue: 'control-failed' },
      controlId: { DataType: 'String', StringValue: 'rotation-enabled' },
      account: { DataType: 'String', StringValue: '111122223333' },
      region: { DataType: 'String', StringValue: 'us-east-1' },
    });
    expect(alertKey(alert)).toBe(`${alert.eventId}#control-failed#arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/orders-Xy12Ab#rotation-enabled`);
  });

  it('keeps subjects within SNS limits, dropping the account before the sense', () => {
    const scope = { account: '111122223333', region: 'ap-southeast-2' };
    expect(subjectLine('HIGH', 'short', scope)).toBe('[HIGH] short (111122223333 ap-southeast-2)');
    const long = subjectLine('HIGH', `Secret ${'x'.repeat(70)} scheduled`, scope);
    expect(long).toBe(`[HIGH] Secret ${'x'.repeat(70)} scheduled`);
    const longest = subjectLine('CRITICAL', 'y'.repeat(300), scope);
    expect(longest).toHaveLength(100);
    expect(longest.endsWith('…')).toBe(true);
    expect(subjectLine('LOW', 'line\nbreak', scope)).not.toContain('\n');
  });
});
