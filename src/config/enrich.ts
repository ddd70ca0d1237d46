import type { SecretState, UnreadableField } from '../model/index.js';

const LIVE_FIELDS: { field: UnreadableField; label: string; copy: (to: SecretState, from: SecretState) => void }[] = [
  {
    field: 'resourcePolicy',
    label: 'resource policy',
    copy: (to, from) => {
      to.resourcePolicy = from.resourcePolicy;
      to.otherResourcePolicies = { ...(from.otherResourcePolicies ?? {}) };
    },
  },
  {
    field: 'replication',
    label: 'replication',
    copy: (to, from) => {
      to.regionReplicas = from.regionReplicas ?? [];
      to.crossAccountReplicas = from.crossAccountReplicas ?? [];
      to.crossAccountPrimary = from.crossAccountPrimary ?? null;
    },
  },
  { field: 'kmsKey', label: 'KMS key state', copy: (to, from) => (to.kmsKey = from.kmsKey) },
  { field: 'lastAccessedAt', label: 'last access', copy: (to, from) => (to.lastAccessedAt = from.lastAccessedAt) },
  { field: 'lastRotatedAt', label: 'last rotation', copy: (to, from) => (to.lastRotatedAt = from.lastRotatedAt) },
  { field: 'nextRotationAt', label: 'next rotation', copy: (to, from) => (to.nextRotationAt = from.nextRotationAt) },
];

/**
 * A Config item's state, completed with what a live read of the same secret says of the fields the item does not record.
 * Returns what was read, for the annotation. What the live read could not read either stays unreadable, with its reason.
 */
export function completeFromLive(fromItem: SecretState, live: SecretState): { state: SecretState; readLive: string[] } {
  const state: SecretState = { ...fromItem, unreadable: { ...fromItem.unreadable } };
  const readLive: string[] = [];
  for (const { field, label, copy } of LIVE_FIELDS) {
    if (!(field in fromItem.unreadable)) continue;
    copy(state, live);
    const stillUnreadable = live.unreadable[field];
    if (stillUnreadable) state.unreadable[field] = stillUnreadable;
    else delete state.unreadable[field];
    readLive.push(label);
  }
  // Facts only DescribeSecret has, which the item cannot contradict.
  state.owningService = live.owningService;
  state.primaryRegion = live.primaryRegion;
  state.secretType = live.secretType ?? null;
  state.externalRotationRoleArn = live.externalRotationRoleArn ?? null;
  state.versions = live.versions;
  if (state.createdAt === null) state.createdAt = live.createdAt;
  return { state, readLive };
}
