import { describe, expect, it } from 'vitest';
import { normaliseCloudTrailRecord, repairSharedSample } from '../../src/events/index.js';

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

  it('gives a record without an eventID the same stand-in for the same content, whatever its key order, and another for other content', () => {
    const record = { eventName: 'DeleteSecret', eventSource: 'secretsmanager.amazonaws.com', requestParameters: { secretId: 'a', recoveryWindowInDays: 7 } };
    const reordered = { requestParameters: { recoveryWindowInDays: 7, secretId: 'a' }, eventSource: 'secretsmanager.amazonaws.com', eventName: 'DeleteSecret' };
    const other = { ...record, requestParameters: { secretId: 'b' } };
    const ids = (repairSharedSample([record, reordered, other]).input as { eventID: string }[]).map((r) => r.eventID);
    expect(ids[0]).toMatch(/^sample-[0-9a-f]{32}$/);
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('reads TagResource without an eventSource as the service whose id the request gives, and leaves it missing when neither is given', () => {
    const tag = (requestParameters: Record<string, unknown>) => (repairSharedSample({ eventID: 't', eventName: 'TagResource', requestParameters }).input as { eventSource?: string }).eventSource;
    expect(tag({ keyId: 'k' })).toBe('kms.amazonaws.com');
    expect(tag({ secretId: 's' })).toBe('secretsmanager.amazonaws.com');
    expect(tag({})).toBeUndefined();
  });

  it('leaves the strict reading, the event Lambda\'s, refusing a record without an eventID or an awsRegion', () => {
    const record = { eventTime: '2026-11-02T09:14:07Z', eventSource: 'secretsmanager.amazonaws.com', eventName: 'DeleteSecret', awsRegion: 'us-east-1', eventID: 'e', recipientAccountId: '111122223333', requestParameters: { secretId: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:x-AbCdEf' } };
    const { eventID: _id, ...noId } = record;
    const { awsRegion: _region, ...noRegion } = record;
    expect(() => normaliseCloudTrailRecord(noId)).toThrow('eventID: expected string, received undefined');
    expect(() => normaliseCloudTrailRecord(noRegion)).toThrow('awsRegion: expected string, received undefined');
    expect(normaliseCloudTrailRecord(repairSharedSample(noRegion).input)).toMatchObject({ region: 'us-east-1', eventId: 'e' });
  });
});
