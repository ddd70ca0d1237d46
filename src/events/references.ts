// How a request names a secret or a key, turned into what is known for sure.

const SECRET_ARN = /^arn:(aws[a-z-]*):secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.+)$/;
// The six characters Secrets Manager appends to a name in a full ARN.
const RANDOM_SUFFIX = /^(.+)-[A-Za-z0-9]{6}$/;
const KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/;

export interface SecretRef {
  /** The identifier as the request gave it (name, partial ARN or full ARN). */
  given?: string;
  /** The full ARN, when the event proves it (a response, or a full ARN in the request). */
  arn?: string;
  name?: string;
}

export interface KeyRef {
  given: string;
  arn?: string;
  /** The key id: a UUID, or `mrk-…` for a multi-Region key. */
  id?: string;
  alias?: string;
  multiRegion: boolean;
}

/**
 * `fullArn` is an ARN the event states outright (response element or resource). A request's secretId alone is a full ARN
 * only when the part after `secret:` ends in the six-character suffix; otherwise it is a partial ARN or a name.
 */
export function secretRef(given: string | undefined, fullArn: string | undefined, name: string | undefined): SecretRef {
  const ref: SecretRef = {};
  if (given !== undefined) ref.given = given;
  const arn = fullArn ?? (given !== undefined && looksLikeFullSecretArn(given) ? given : undefined);
  if (arn !== undefined) ref.arn = arn;
  const resolvedName = name ?? (arn !== undefined ? secretNameFromArn(arn) : given !== undefined ? secretNameFromId(given) : undefined);
  if (resolvedName !== undefined) ref.name = resolvedName;
  return ref;
}

export function looksLikeFullSecretArn(id: string): boolean {
  const m = SECRET_ARN.exec(id);
  return m !== null && RANDOM_SUFFIX.test(m[4] ?? '');
}

export function secretNameFromArn(arn: string): string | undefined {
  const rest = SECRET_ARN.exec(arn)?.[4];
  if (rest === undefined) return undefined;
  return RANDOM_SUFFIX.exec(rest)?.[1] ?? rest;
}

/** A name stays a name; a partial ARN gives its name part (it has no suffix to strip). */
function secretNameFromId(id: string): string {
  const m = SECRET_ARN.exec(id);
  return m ? (m[4] ?? id) : id;
}

export function accountOfArn(arn: string): string | undefined {
  return /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(arn)?.[1];
}

export function keyRef(given: string, stated?: string): KeyRef {
  const ref: KeyRef = { given, multiRegion: false };
  for (const candidate of [stated, given]) {
    if (candidate === undefined) continue;
    const arn = KEY_ARN.exec(candidate);
    if (arn) {
      if (arn[4] === 'key') {
        ref.arn ??= candidate;
        ref.id ??= arn[5];
      } else ref.alias ??= `alias/${arn[5]}`;
    } else if (candidate.startsWith('alias/')) ref.alias ??= candidate;
    else ref.id ??= candidate;
  }
  ref.multiRegion = ref.id?.startsWith('mrk-') ?? false;
  return ref;
}
