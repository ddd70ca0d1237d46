import { CommanderError } from 'commander';
import { AwsUnavailableError, CliError } from './io.js';

/** The exit codes of every command (DESIGN.md, "Contracts the CLI keeps"); a bug in vigil itself exits 70 (EX_SOFTWARE). */
export const EXIT = { ok: 0, tripped: 1, usage: 2, aws: 3, bug: 70 } as const;

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPROTO', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT']);

interface SdkFailure {
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
}

/** What an error thrown anywhere below the CLI means to a user: one line and an exit code, never a stack trace. */
export function toCliError(error: unknown, context: { profile?: string | undefined } = {}): CliError {
  if (error instanceof CliError) return error;
  if (!(error instanceof Error)) return new CliError(`unexpected failure: ${String(error)}`);
  const sdk = error as Error & SdkFailure;
  if (error.name === 'CredentialsProviderError') {
    // The profile as the user named it: --profile, else AWS_PROFILE (the SDK's own message does not always say which it tried).
    const envProfile = process.env['AWS_PROFILE'] || undefined;
    const sdkProfile = /using profile: \[([^\]]*)\]/.exec(error.message)?.[1];
    const named = context.profile !== undefined ? `--profile ${context.profile}` : envProfile !== undefined ? `AWS_PROFILE=${envProfile}` : sdkProfile !== undefined ? `--profile ${sdkProfile}` : undefined;
    if (named !== undefined) return new CliError(`${named}: no such profile with credentials in ~/.aws/config or ~/.aws/credentials`, { cause: error });
    return new AwsUnavailableError(`no AWS credentials found (${error.message.split('\n')[0]}); set AWS_PROFILE or pass --profile`, { cause: error });
  }
  if (sdk.$response && (error instanceof SyntaxError || error.message.includes('Deserialization error'))) {
    const type = sdk.$response.headers?.['content-type'] ?? 'no content type';
    return new AwsUnavailableError(`the endpoint answered HTTP ${sdk.$response.statusCode ?? '?'} with ${type}, not an AWS API response: is --endpoint-url right?`, { cause: error });
  }
  if (sdk.code && NETWORK_CODES.has(sdk.code)) return new AwsUnavailableError(`AWS could not be reached: ${error.message}`, { cause: error });
  if (error.name === 'TimeoutError') return new AwsUnavailableError(`AWS did not answer in time: ${error.message}`, { cause: error });
  if (sdk.$metadata?.httpStatusCode !== undefined) return new AwsUnavailableError(`AWS refused: ${error.name}: ${error.message}`, { cause: error });
  return new BugError(error);
}

/** Anything vigil did not expect: said in one line, the stack only when VIGIL_DEBUG asks for it. */
class BugError extends CliError {
  override readonly name = 'BugError';
  override readonly exitCode = EXIT.bug;
  constructor(cause: Error) {
    super(`unexpected ${cause.name}: ${cause.message.split('\n')[0]} (a bug in vigil; VIGIL_DEBUG=1 prints the stack)`, { cause });
  }
}

/** The exit code for an error that ended a command, after printing its one line (commander has printed its own). */
export function exitCodeFor(error: unknown, writeErr: (text: string) => void, debug = false): number {
  if (error instanceof CommanderError) return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT.ok : EXIT.usage;
  const failure = toCliError(error);
  writeErr(`vigil: ${failure.message}\n`);
  if (debug && failure.cause instanceof Error && failure.cause.stack) writeErr(`${failure.cause.stack}\n`);
  return failure.exitCode;
}
