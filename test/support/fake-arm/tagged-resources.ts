/**
 * `GET /subscriptions/{s}/resources`: the subscription's resources, as ARM lists them (Resources - List).
 * Only top-level tracked resources are listed: resource groups and child resources (subnets, rules)
 * are not. `$filter` accepts what ARM documents for tags, `tagName eq 'n' and tagValue eq 'v'` or
 * `tagName eq 'n'` (tag names compare case-insensitively, values exactly), and refuses anything else
 * with 400 InvalidFilterInQueryString, as ARM refuses filters it cannot apply. As ARM documents, a
 * tag-filtered answer leaves the tags out of each item. `$top` bounds the page size.
 */
import { badRequest } from './errors.js';
import { page, type ArmContext, type Reply } from './http.js';
import { isObject, type JsonObject } from './json.js';
import { RESOURCE_GROUP_TYPE, type StoredResource } from './store.js';

interface TagFilter {
  readonly name: string;
  readonly value?: string;
}

const QUOTED = "'((?:[^']|'')*)'";
const FILTER = new RegExp(
  `^\\s*tagName\\s+eq\\s+${QUOTED}(?:\\s+and\\s+tagValue\\s+eq\\s+${QUOTED})?\\s*$`,
  'i',
);

function parseFilter(text: string | null): TagFilter | undefined {
  if (text === null) return undefined;
  const match = FILTER.exec(text);
  if (!match?.[1]) {
    throw badRequest(
      'InvalidFilterInQueryString',
      `Invalid $filter '${text}' specified in the query string (the fake ARM server knows tag filters only).`,
    );
  }
  const unquote = (s: string) => s.replace(/''/g, "'");
  return { name: unquote(match[1]), ...(match[2] === undefined ? {} : { value: unquote(match[2]) }) };
}

function tagsOf(resource: StoredResource): Record<string, unknown> {
  return isObject(resource.body.tags) ? resource.body.tags : {};
}

function matches(resource: StoredResource, filter: TagFilter): boolean {
  const entry = Object.entries(tagsOf(resource)).find(
    ([name]) => name.toLowerCase() === filter.name.toLowerCase(),
  );
  return entry !== undefined && (filter.value === undefined || entry[1] === filter.value);
}

export function listSubscriptionResources(context: ArmContext, url: URL): Reply {
  const filter = parseFilter(url.searchParams.get('$filter'));
  const items = context.store
    .all()
    .filter((r) => r.type !== RESOURCE_GROUP_TYPE && r.type.split('/').length === 2)
    .filter((r) => filter === undefined || matches(r, filter))
    .map((r): JsonObject => {
      const item: JsonObject = { id: r.id, name: r.name, type: r.type };
      if (typeof r.body.location === 'string') item.location = r.body.location;
      if (filter === undefined && isObject(r.body.tags)) item.tags = r.body.tags;
      return item;
    });
  const top = Number(url.searchParams.get('$top'));
  const bounded =
    Number.isInteger(top) && top > 0 ? { ...context, pageSize: Math.min(top, context.pageSize) } : context;
  return page(bounded, items, url);
}
