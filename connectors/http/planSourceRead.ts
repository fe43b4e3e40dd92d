/**
 * Which endpoint serves one request and with which query parameters: the
 * by-keys endpoint when a condition names keys of its key item (a related
 * resource look-up), else the list endpoint with every condition the
 * binding's filters map pushed down. Values only ever become parameter values;
 * the gateway applies every condition again to what comes back, so an API
 * that filters loosely (or ignores a parameter) cannot widen the answer.
 */
import type { Condition } from '../Connector.js';
import { DEFAULT_MAX_KEYS, DEFAULT_SEPARATOR, type HttpBinding, type HttpFilter } from './httpSchemas.js';

/** How the rows of one request are read from the API. */
export type SourceRead =
  /** Calls of the by-keys endpoint, one per chunk of at most maxKeys keys: the key parameter's value of each. */
  | { readonly endpoint: 'byKeys'; readonly keyParams: readonly string[] }
  /** Pages of the list endpoint with these parameters (besides the static query and paging). */
  | { readonly endpoint: 'list'; readonly params: readonly (readonly [string, string])[] };

/** The read of `conditions` through `binding`. */
export function planSourceRead(conditions: readonly Condition[], binding: HttpBinding): SourceRead {
  const byKeys = binding.byKeys;
  if (byKeys) {
    const separator = byKeys.separator ?? DEFAULT_SEPARATOR;
    // The narrowest condition on the key item decides the keys; the others are applied to what returns.
    const keys = conditions
      .filter((condition) => condition.item === byKeys.item && (condition.op === 'in' || condition.op === 'eq'))
      .map((condition) => [...new Set(valuesOf(condition).map(paramValue))])
      .filter((values) => values.every((value) => value !== '' && !value.includes(separator)))
      .sort((a, b) => a.length - b.length)[0];
    if (keys) {
      const size = byKeys.maxKeys ?? DEFAULT_MAX_KEYS;
      const keyParams: string[] = [];
      for (let start = 0; start < keys.length; start += size) keyParams.push(keys.slice(start, start + size).join(separator));
      return { endpoint: 'byKeys', keyParams };
    }
  }
  return { endpoint: 'list', params: pushDown(conditions, binding.filters ?? {}) };
}

/**
 * Query parameters for the conditions `filters` maps, each parameter set
 * once (the first condition wins; the gateway applies the others itself).
 */
function pushDown(conditions: readonly Condition[], filters: Readonly<Record<string, HttpFilter>>): [string, string][] {
  const params = new Map<string, string>();
  const set = (name: string | undefined, value: string): void => {
    if (name !== undefined && !params.has(name)) params.set(name, value);
  };
  for (const condition of conditions) {
    const filter = Object.hasOwn(filters, condition.item) ? filters[condition.item]! : null;
    if (!filter) continue;
    switch (condition.op) {
      case 'eq':
        if (filter.eq !== undefined) set(filter.eq, paramValue(condition.value));
        else if (filter.in) pushList(filter.in, [condition.value], set);
        break;
      case 'in': {
        const values = condition.value as readonly unknown[];
        if (filter.in) pushList(filter.in, values, set);
        else if (values.length === 1) set(filter.eq, paramValue(values[0]));
        break;
      }
      default:
        set(filter[condition.op], paramValue(condition.value));
    }
  }
  return [...params];
}

/** An `in` as one separated parameter, unless a value holds the separator (the API would split it). */
function pushList(spec: NonNullable<HttpFilter['in']>, values: readonly unknown[], set: (name: string, value: string) => void): void {
  const separator = spec.separator ?? DEFAULT_SEPARATOR;
  const texts = values.map(paramValue);
  if (texts.length > 0 && texts.every((text) => text !== '' && !text.includes(separator))) set(spec.param, texts.join(separator));
}

function valuesOf(condition: Condition): readonly unknown[] {
  return condition.op === 'in' ? (condition.value as readonly unknown[]) : [condition.value];
}

/** A wire value as query text: strings as they are, numbers and booleans as JSON writes them. */
function paramValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
