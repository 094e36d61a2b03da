/** The shapes of names that end up in file paths, artifact names, Azure resources and log lines. */

/** Deployment ids: lower-case letters, digits and inner dashes, like a Kubernetes name. */
export const DEPLOYMENT_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const DEPLOYMENT_ID_RULE = '1–63 lower-case letters, digits or inner dashes (e.g. k0rdent-ab12cd34)';

/** Phase and input names: snake_case. */
export const SNAKE_NAME_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;
export const SNAKE_NAME_RULE = 'snake_case: a lower-case letter, then lower-case letters, digits or _ (at most 63)';

/** Printable text on one line: names and labels that reach logs, where a newline could forge a line. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const SINGLE_LINE_PATTERN = /^[^\u0000-\u001f\u007f]*$/;

/** A relative path that cannot leave the directory it is resolved against. */
export function isContainedPath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.startsWith('\\') || /^[a-zA-Z]:/.test(path)) return false;
  if (!SINGLE_LINE_PATTERN.test(path)) return false;
  return path.split(/[\\/]/).every((segment) => segment !== '..');
}
