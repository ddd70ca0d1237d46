import { describe, expect, it } from 'vitest';
import { repairSharedSample } from '../../src/events/index.js';

describe('a shared sample', () => {
  it('reads a placeholder account id, in an account field or an ARN, as 000000000000 and says so once per record', () => {
    const record = { eventID: 'e1', recipientAccountId: '<account-id>', userIdentity: { accountId: 'ACCOUNT_ID', arn: 'arn:aws:iam::ACCOUNT_ID:user/alice' }, requestParameters: { secretId: 'arn:aws:secretsmanager:us-east-1:<account-id>:secret:x' } };
    const { input, notes } = repairSharedSample({ Records: [record] });
    expect(input).toEqual({ Records: [{ eventID: 'e1', recipientAccountId: '000000000000', userIdentity: { accountId: '000000000000', arn: 'arn:aws:iam::000000000000:user/alice' }, requestParameters: { secretId: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:x' } }] });
    expect(notes.get('e1')).toEqual(['account "<account-id>" is not an account id (a placeholder?); read as 000000000000', 'account "ACCOUNT_ID" is not an account id (a placeholder?); read as 000000000000']);
  });

  it('leaves real account ids, AWS-managed ARNs and ARNs without an account as they are', () => {
    const record = { eventID: 'e2', recipientAccountId: '111122223333', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess', bucket: 'arn:aws:s3:::trail-bucket' };
    const repaired = repairSharedSample(record);
    expect(repaired.input).toBe(record);
    expect(repaired.notes.size).toBe(0);
  });
});
