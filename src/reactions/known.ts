import type { KeyRef, SecretEvent } from '../events/index.js';
import { keyNamesOf, kmsKeyNames, type SecretState } from '../model/index.js';
import { stateAfter } from './apply.js';

const scoped = (account: string, region: string, name: string) => `${account} ${region} ${name}`;

/**
 * The secrets an offline replay knows, indexed: the secret an event names is a lookup by ARN or by account, region and
 * name, a key's state a lookup by key id or ARN, and the secrets a KMS key protects a lookup by each name of the key
 * (`keyNamesOf`, the state store's key index rule) — never a scan, so 100,000 secrets cost no more per event than ten,
 * and a KMS event costs the secrets its key protects.
 */
export class KnownSecrets {
  private readonly byArn = new Map<string, SecretState>();
  private readonly arnByName = new Map<string, string>();
  private readonly keys = new Map<string, NonNullable<SecretState['kmsKey']>>();
  /** Secret ARNs by every name of their key, kept up to date as events re-key or delete secrets. */
  private readonly byKeyName = new Map<string, Set<string>>();
  /** What a snapshot recorded of keys' aliases (kms:ListAliases): the aliases by key ARN, the key ARN by scoped alias. */
  private readonly aliasesOfKey = new Map<string, readonly string[]>();
  private readonly keyOfAlias = new Map<string, string>();

  constructor(secrets: Iterable<SecretState> = []) {
    for (const secret of secrets) this.put(secret);
  }

  get size(): number {
    return this.byArn.size;
  }

  /** The secrets a key of these names protects, as `protectedBy` judges them, each once. */
  protectedBy(keyNames: Iterable<string>): SecretState[] {
    const arns = new Set<string>();
    for (const name of keyNames) for (const arn of this.byKeyName.get(name) ?? []) arns.add(arn);
    return [...arns].map((arn) => this.byArn.get(arn) as SecretState);
  }

  /** The secret an event names, as findSecret finds it in a list. */
  find(event: SecretEvent): SecretState | undefined {
    const ref = event.secret;
    if (!ref) return undefined;
    if (ref.arn) return this.byArn.get(ref.arn);
    const arn = ref.name === undefined ? undefined : this.arnByName.get(scoped(event.account, event.region, ref.name));
    return arn === undefined ? undefined : this.byArn.get(arn);
  }

  keyState = (keyId: string): SecretState['kmsKey'] => this.keys.get(keyId) ?? null;

  /**
   * The other names of the key a KMS event names, as the snapshot recorded its aliases: the key's aliases, and for a key
   * named by alias alone, the key's ARN and id. Offline, this stands in for the event Lambda's kms:ListAliases.
   */
  keyAliases(key: KeyRef, account: string, region: string): string[] {
    const arn = key.arn ?? (key.alias ? this.keyOfAlias.get(scoped(account, region, key.alias)) : undefined);
    if (!arn) return [];
    return [...(key.arn ? [] : kmsKeyNames(arn)), ...(this.aliasesOfKey.get(arn) ?? [])];
  }

  /** The account as the event leaves it (a forced deletion removes the secret). */
  apply(event: SecretEvent): void {
    const before = this.find(event);
    const after = stateAfter(before, event, this.keyState);
    if (after === undefined) return;
    if (before) this.remove(before);
    if (after) this.put(after);
  }

  private put(secret: SecretState): void {
    this.byArn.set(secret.arn, secret);
    this.arnByName.set(scoped(secret.account, secret.region, secret.name), secret.arn);
    if (secret.kmsKey) {
      if (secret.kmsKey.arn) this.keys.set(secret.kmsKey.arn, secret.kmsKey);
      if (secret.kmsKeyId) this.keys.set(secret.kmsKeyId, secret.kmsKey);
      const arn = secret.kmsKey.arn;
      const [, , , keyRegion, keyAccount] = arn?.split(':') ?? [];
      if (arn && secret.kmsKey.aliases && keyRegion && keyAccount) {
        this.aliasesOfKey.set(arn, secret.kmsKey.aliases);
        for (const alias of secret.kmsKey.aliases) this.keyOfAlias.set(scoped(keyAccount, keyRegion, alias), arn);
      }
    }
    for (const name of keyNamesOf(secret)) {
      let arns = this.byKeyName.get(name);
      if (!arns) this.byKeyName.set(name, (arns = new Set()));
      arns.add(secret.arn);
    }
  }

  private remove(secret: SecretState): void {
    this.byArn.delete(secret.arn);
    const key = scoped(secret.account, secret.region, secret.name);
    if (this.arnByName.get(key) === secret.arn) this.arnByName.delete(key);
    for (const name of keyNamesOf(secret)) {
      const arns = this.byKeyName.get(name);
      arns?.delete(secret.arn);
      if (arns?.size === 0) this.byKeyName.delete(name);
    }
  }
}
