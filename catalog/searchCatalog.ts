/**
 * Catalog search over an in-memory snapshot: filters, case-insensitive text,
 * facets over the whole filtered set, and cursor pages ordered by code.
 */
import { badInput } from '../common/errors.js';
import { RESOURCE_CODE_PATTERN } from '../common/identifiers.js';
import type { CatalogSnapshot, Department, ResourceDefinition, ResourceFormat, ResourceStatus, ShareType } from './model.js';

export interface CatalogFilter {
  /** Case-insensitive substring of the name, summary, an item label or the provider's name. */
  readonly text?: string | null;
  /** Provider department code. */
  readonly provider?: string | null;
  readonly shareType?: ShareType | null;
  /** A prefix of the classification code (类, 类+项, ...). */
  readonly classification?: string | null;
  readonly format?: ResourceFormat | null;
  readonly status?: ResourceStatus | null;
}

export interface SearchOptions {
  /** Catalog admins see drafts (the admin view); everyone else the consumer view. */
  readonly includeDrafts: boolean;
  /** Page size; default 20; above maxPageSize is BAD_USER_INPUT. */
  readonly first?: number | null;
  /** Opaque cursor: the endCursor of the previous page. */
  readonly after?: string | null;
  readonly maxPageSize: number;
}

export interface FacetCount {
  readonly value: string;
  readonly count: number;
}

export interface CatalogFacets {
  readonly provider: readonly FacetCount[];
  readonly shareType: readonly FacetCount[];
  /** By 类 + 项: the first three digits of the classification. */
  readonly classification: readonly FacetCount[];
  readonly format: readonly FacetCount[];
}

export interface SearchResult {
  readonly nodes: readonly ResourceDefinition[];
  readonly totalCount: number;
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
  readonly facets: CatalogFacets;
}

const DEFAULT_PAGE_SIZE = 20;
const codeRegex = new RegExp(RESOURCE_CODE_PATTERN);

/** What filters and facets read of one resource, copied into one small shape so that scans stay fast. */
interface Entry {
  readonly resource: ResourceDefinition;
  readonly code: string;
  readonly provider: string;
  readonly shareType: string;
  readonly classification: string;
  readonly format: string;
  readonly status: string;
  /** Lower-cased name, summary and item labels, one per line. */
  readonly text: string;
}

// Per view and per department map: searching the same snapshot again reuses the sorted, lower-cased index.
const entriesByView = new WeakMap<ReadonlyMap<string, ResourceDefinition>, readonly Entry[]>();
const namesByDepartments = new WeakMap<ReadonlyMap<string, Department>, ReadonlyMap<string, string>>();

/** Searches the admin or consumer view of a snapshot; throws BAD_USER_INPUT for a bad page size or cursor. */
export function searchCatalog(snapshot: CatalogSnapshot, filter: CatalogFilter | null | undefined, options: SearchOptions): SearchResult {
  const first = options.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0) throw badInput(`first must be a whole number of at least 0, not ${first}`);
  if (first > options.maxPageSize) throw badInput(`first must be at most ${options.maxPageSize}, not ${first}`);
  const after = options.after ? decodeCursor(options.after) : null;

  const matches = indexOf(options.includeDrafts ? snapshot.resources : snapshot.visible).filter(
    matcher(filter ?? {}, departmentNames(snapshot.departments)),
  );
  // Entries are in code order, so the page starts after the first code beyond the cursor.
  const start = after === null ? 0 : firstIndexAfter(matches, after);
  const page = matches.slice(start, start + first).map((entry) => entry.resource);
  return {
    nodes: page,
    totalCount: matches.length,
    pageInfo: {
      hasNextPage: start + first < matches.length,
      endCursor: page.length > 0 ? encodeCursor(page[page.length - 1]!.code) : null,
    },
    facets: {
      provider: countFacets(matches, (entry) => entry.provider),
      shareType: countFacets(matches, (entry) => entry.shareType),
      classification: countFacets(matches, (entry) => entry.classification.slice(0, 3)),
      format: countFacets(matches, (entry) => entry.format),
    },
  };
}

function matcher(filter: CatalogFilter, providerNames: ReadonlyMap<string, string>): (entry: Entry) => boolean {
  const text = filter.text?.trim().toLowerCase() || null;
  return (entry) =>
    (!filter.provider || entry.provider === filter.provider) &&
    (!filter.shareType || entry.shareType === filter.shareType) &&
    (!filter.classification || entry.classification.startsWith(filter.classification)) &&
    (!filter.format || entry.format === filter.format) &&
    (!filter.status || entry.status === filter.status) &&
    (text === null || entry.text.includes(text) || (providerNames.get(entry.provider) ?? '').includes(text));
}

function indexOf(view: ReadonlyMap<string, ResourceDefinition>): readonly Entry[] {
  let entries = entriesByView.get(view);
  if (!entries) {
    entries = [...view.values()]
      .map(
        (resource): Entry => ({
          resource,
          code: resource.code,
          provider: resource.provider,
          shareType: resource.shareType,
          classification: resource.classification,
          format: resource.format,
          status: resource.status,
          text: [resource.name, resource.summary, ...resource.items.map((item) => item.label)].join('\n').toLowerCase(),
        }),
      )
      .sort((a, b) => compareStrings(a.code, b.code));
    entriesByView.set(view, entries);
  }
  return entries;
}

function departmentNames(departments: ReadonlyMap<string, Department>): ReadonlyMap<string, string> {
  let names = namesByDepartments.get(departments);
  if (!names) {
    names = new Map([...departments].map(([code, department]) => [code, department.name.toLowerCase()]));
    namesByDepartments.set(departments, names);
  }
  return names;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function firstIndexAfter(entries: readonly Entry[], code: string): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareStrings(entries[mid]!.code, code) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Counts of each value `valueOf` gives the entries, largest first, then by value (code-point order). */
export function countFacets<T>(entries: readonly T[], valueOf: (entry: T) => string): FacetCount[] {
  const counts = new Map<string, number>();
  for (const entry of entries) {
    const value = valueOf(entry);
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || compareStrings(a.value, b.value));
}

function encodeCursor(code: string): string {
  return Buffer.from(code, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const code = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!codeRegex.test(code)) throw badInput(`after is not a cursor of this catalog: ${cursor}`);
  return code;
}
