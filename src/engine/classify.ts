/**
 * Classifying a phase failure (transient, quota, config, unknown) so the summary can say whether a
 * re-run is likely to help. Exit codes 75 (EX_TEMPFAIL) and 78 (EX_CONFIG) from sysexits.h let a
 * user's script state its class; otherwise the message and output tail are matched.
 */
import { AzureLoginError } from '../azure/credential.js';
import { messageOf } from '../errors.js';
import { redact } from '../secrets.js';
import { CommandFailedError, PhaseConfigurationError, TransientPhaseError } from '../phases/phase.js';
import type { ErrorClass, PhaseError } from '../state/schema.js';

const QUOTA = /quota|QuotaExceeded|SkuNotAvailable|exceeds? (?:the )?(?:regional|family) (?:cores? )?limit/i;
const TRANSIENT =
  /timed? ?out|ETIMEDOUT|ECONNRESET|ECONNREFUSED|EAI_AGAIN|EPIPE|\b429\b|too many requests|\b50[234]\b|temporar|try again|throttl|cancell?ed/i;
const CONFIG =
  /AuthorizationFailed|AuthenticationFailed|InvalidParameter|InvalidTemplate|\b40[13]\b|forbidden|unauthori[sz]ed/i;

/** How many output lines of a failed command are kept in the state's error message. */
const TAIL_IN_MESSAGE = 8;

/** The classified failure, its message redacted: it is printed, and persisted in the state. */
export function classifyFailure(error: unknown): PhaseError {
  const failure = classify(error);
  return { ...failure, message: redact(failure.message) };
}

function classify(error: unknown): PhaseError {
  if (error instanceof PhaseConfigurationError) return { message: error.message, class: 'config' };
  if (error instanceof TransientPhaseError) return { message: error.message, class: 'transient' };
  if (error instanceof AzureLoginError) {
    // An unreachable login endpoint is worth a re-run; a refused login is not.
    return {
      message: error.message,
      class: classifyText(error.message) === 'transient' ? 'transient' : 'config',
    };
  }
  if (error instanceof CommandFailedError) {
    const tail = error.outputTail.filter((line) => line.trim() !== '').slice(-TAIL_IN_MESSAGE);
    const message = [error.message, ...tail.map((line) => `  ${line}`)].join('\n');
    const byCode: ErrorClass | undefined =
      error.exitCode === 75 ? 'transient' : error.exitCode === 78 ? 'config' : undefined;
    return {
      message,
      class: byCode ?? classifyText(tail.join('\n')),
      ...(error.exitCode === undefined ? {} : { exit_code: error.exitCode }),
    };
  }
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  if (typeof status === 'number') {
    if (status === 429 || status >= 500) return { message: messageOf(error), class: 'transient' };
    if (status === 400 || status === 401 || status === 403)
      return { message: messageOf(error), class: 'config' };
  }
  const message = messageOf(error);
  return { message, class: classifyText(message) };
}

export function classifyText(text: string): ErrorClass {
  if (QUOTA.test(text)) return 'quota';
  if (TRANSIENT.test(text)) return 'transient';
  if (CONFIG.test(text)) return 'config';
  return 'unknown';
}
