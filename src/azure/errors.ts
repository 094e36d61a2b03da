/**
 * The shapes Azure SDK failures take (test/support/fake-arm/README.md): HTTP errors are `RestError`s
 * with `statusCode` and `code`; a long-running operation that ends Failed rejects with a plain
 * `Error` whose message carries the ARM code.
 */

export function statusCodeOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

export function armCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isNotFound(error: unknown): boolean {
  const code = armCodeOf(error);
  return (
    statusCodeOf(error) === 404 ||
    code === 'ResourceNotFound' ||
    code === 'ResourceGroupNotFound' ||
    code === 'NotFound'
  );
}

export function isResourceGroupNotFound(error: unknown): boolean {
  return armCodeOf(error) === 'ResourceGroupNotFound';
}

/** A long-running operation that Azure reported as Failed (a VM that did not provision). */
export function isFailedOperation(error: unknown): boolean {
  return (
    error instanceof Error &&
    statusCodeOf(error) === undefined &&
    /long-running operation has failed/i.test(error.message)
  );
}

/** Throttling and server faults: worth another try after a pause. */
export function isRetryable(error: unknown): boolean {
  const status = statusCodeOf(error);
  return (
    status === 408 ||
    status === 429 ||
    (status !== undefined && status >= 500 && status !== 501 && status !== 505)
  );
}

export function describeAzureError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const status = statusCodeOf(error);
  const code = armCodeOf(error);
  const prefix = [status === undefined ? undefined : `HTTP ${status}`, code].filter(Boolean).join(' ');
  return prefix ? `${prefix}: ${message}` : message;
}
