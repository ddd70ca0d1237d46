/**
 * S3 event notifications of CloudTrail log files (AWS's event message structure, version 2.1): what the read queue receives
 * from the trail bucket, and what `vigil audit backfill` sends for the log files that bucket already holds.
 */
export interface S3NotificationRecord {
  eventVersion?: string;
  eventSource?: string;
  awsRegion?: string;
  eventTime?: string;
  eventName?: string;
  s3?: { s3SchemaVersion?: string; configurationId?: string; bucket?: { name?: string; arn?: string }; object?: { key?: string; size?: number; eTag?: string } };
}

export interface S3Notification {
  Records: S3NotificationRecord[];
}

export interface LogFileObject {
  bucket: string;
  key: string;
  size?: number;
  eTag?: string;
  lastModified?: Date;
}

export function isS3Notification(body: unknown): body is S3Notification {
  return typeof body === 'object' && body !== null && Array.isArray((body as S3Notification).Records) && (body as S3Notification).Records.some((r) => r?.eventSource === 'aws:s3');
}

/** S3 URL-encodes a key in a notification, a space as '+'. */
export function encodeNotificationKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}

export function decodeNotificationKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** The notification S3 sends when a log file is written, for a file already there (configurationId says who sent it). */
export function logFileNotification(object: LogFileObject, region: string, partition = 'aws'): S3Notification {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: region,
        eventTime: (object.lastModified ?? new Date(0)).toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'vigil-backfill',
          bucket: { name: object.bucket, arn: `arn:${partition}:s3:::${object.bucket}` },
          object: { key: encodeNotificationKey(object.key), ...(object.size !== undefined ? { size: object.size } : {}), ...(object.eTag ? { eTag: object.eTag.replace(/"/g, '') } : {}) },
        },
      },
    ],
  };
}
