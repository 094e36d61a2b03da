/**
 * JSON values as they travel over the wire. The fake keeps resource bodies as plain JSON so that what a
 * test inspects is exactly what a client sent or will receive, with no model layer in between.
 */
export type Json = string | number | boolean | null | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function objectAt(value: Json | undefined, key: string): JsonObject | undefined {
  if (!isObject(value)) return undefined;
  const found = value[key];
  return isObject(found) ? found : undefined;
}

export function stringAt(value: Json | undefined, key: string): string | undefined {
  if (!isObject(value)) return undefined;
  const found = value[key];
  return typeof found === 'string' ? found : undefined;
}

export function numberAt(value: Json | undefined, key: string): number | undefined {
  if (!isObject(value)) return undefined;
  const found = value[key];
  return typeof found === 'number' ? found : undefined;
}

/** The objects of an array-valued property; anything that is not an object is dropped. */
export function objectsAt(value: Json | undefined, key: string): JsonObject[] {
  if (!isObject(value)) return [];
  const found = value[key];
  return Array.isArray(found) ? found.filter(isObject) : [];
}

export function stringsAt(value: Json | undefined, key: string): string[] {
  if (!isObject(value)) return [];
  const found = value[key];
  return Array.isArray(found) ? found.filter((item): item is string => typeof item === 'string') : [];
}

/** Deep copy, so callers can never mutate what the store holds. */
export function copy<T extends Json>(value: T): T {
  return structuredClone(value);
}

/** A path into nested objects, creating the objects on the way. */
export function ensureObject(root: JsonObject, ...keys: string[]): JsonObject {
  let current = root;
  for (const key of keys) {
    const next = current[key];
    if (isObject(next)) {
      current = next;
    } else {
      const created: JsonObject = {};
      current[key] = created;
      current = created;
    }
  }
  return current;
}

/** Every `id` string anywhere in a body: how ARM resources refer to each other. */
export function referencedIds(value: Json): string[] {
  const ids: string[] = [];
  const visit = (node: Json, depth: number): void => {
    // Resource bodies are shallow; the depth cap only guards against a pathological request body.
    if (depth > 64) return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1);
    } else if (isObject(node)) {
      for (const [key, item] of Object.entries(node)) {
        if (key === 'id' && typeof item === 'string') ids.push(item);
        else visit(item, depth + 1);
      }
    }
  };
  visit(value, 0);
  return ids;
}
