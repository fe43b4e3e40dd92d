/**
 * JSON Pointers (RFC 6901) as HTTP bindings use them: where the rows sit in a
 * response body and where each item sits in a row. Only own members are
 * followed, so a pointer such as `/constructor` finds nothing.
 */
import { joinPath } from '../../common/validation.js';

/** A JSON Pointer: empty (the whole document) or `/`-separated segments escaping `~` as ~0 and `/` as ~1. */
export const JSON_POINTER_PATTERN = '^(/([^~/]|~[01])*)*$';

/** What following a pointer found. */
export type Resolved =
  | { readonly kind: 'value'; readonly value: unknown }
  /** A member or index that is absent, or a null on the way. */
  | { readonly kind: 'missing' }
  /** Segment `depth` could not be applied: its parent is a scalar, or an array and the segment no index. */
  | { readonly kind: 'mismatch'; readonly depth: number };

const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/** The unescaped segments of a pointer. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Follows `segments` from `document`. */
export function resolvePointer(document: unknown, segments: readonly string[]): Resolved {
  let node = document;
  for (const [depth, segment] of segments.entries()) {
    if (node === null) return { kind: 'missing' };
    if (Array.isArray(node)) {
      if (!ARRAY_INDEX.test(segment)) return { kind: 'mismatch', depth };
      const index = Number(segment);
      if (index >= node.length) return { kind: 'missing' };
      node = node[index];
    } else if (typeof node === 'object') {
      if (!Object.hasOwn(node, segment)) return { kind: 'missing' };
      node = (node as Record<string, unknown>)[segment];
    } else {
      return { kind: 'mismatch', depth };
    }
  }
  return { kind: 'value', value: node };
}

/** The readable path of segments under `base`, as problems show paths: `data.items[3].id_no`. */
export function pointerPath(segments: readonly string[], base = ''): string {
  return segments.reduce<string>((path, segment) => joinPath(path, ARRAY_INDEX.test(segment) ? Number(segment) : segment), base);
}
