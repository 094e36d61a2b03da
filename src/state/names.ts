/** The shapes of names that end up in file paths, artifact names, Azure resources and log lines. */

/** Deployment ids: lower-case letters, digits and inner dashes, like a Kubernetes name. */
export const DEPLOYMENT_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const DEPLOYMENT_ID_RULE = '1–63 lower-case letters, digits or inner dashes (e.g. k0rdent-ab12cd34)';

/** Phase and input names: snake_case. */
export const SNAKE_NAME_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;
export const SNAKE_NAME_RULE = 'snake_case: a lower-case letter, then lower-case letters, digits or _ (at most 63)';
