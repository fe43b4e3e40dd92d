/**
 * Validation and normalisation of a resource definition: the JSON Schema, then
 * every rule that needs more than one field or the rest of the catalog, then
 * every default filled. Pure: what it needs of the catalog comes in the context.
 */
import type { Problem } from '../common/errors.js';
import { findProblems, joinPath } from '../common/validation.js';
import type { ItemInput, MaskInput, ResourceInput } from './CatalogFile.js';
import { catalogSchemaProblems } from './catalogSchemas.js';
import { classificationProblem } from './classification.js';
import { apiNameProblem } from './reservedTypeNames.js';
import { toItemType } from './itemTypes.js';
import {
  SHARE_TYPE_STRICTNESS,
  defaultMask,
  type ConnectorKind,
  type ItemType,
  type MaskKind,
  type MaskRule,
  type ResourceDefinition,
  type ResourceItem,
  type ShareType,
} from './model.js';
import type { SourceKinds } from './SourceKinds.js';

/** A resource's definition without its lifecycle (version, status, dates): what a version stores. */
export type ResourceContent = Omit<
  ResourceDefinition,
  'version' | 'status' | 'createdAt' | 'publishedAt' | 'deprecatedAt' | 'deprecationReason'
>;

/** A normalised definition; `code` is null until registration assigns one. */
export type NormalizedResource = Omit<ResourceContent, 'code'> & { readonly code: string | null };

/** What normalisation needs to know of the rest of the catalog. */
export interface NormalizeContext {
  readonly kinds: SourceKinds;
  /** Registered department codes. */
  readonly departments: { has(code: string): boolean };
  /** Registered connectors by id. */
  readonly connectors: ReadonlyMap<string, { readonly kind: ConnectorKind; readonly department: string }>;
  /** Resources an input may reference or relate to, by code, with the names of their key items. */
  readonly resources: ReadonlyMap<string, { readonly keyItems: readonly string[] }>;
  /** Codes already registered: their apiName and provider are fixed for every later version. */
  readonly registered: ReadonlyMap<string, { readonly apiName: string; readonly provider: string }>;
  /** Registered apiNames and the code holding each. */
  readonly apiNames: ReadonlyMap<string, string>;
}

export type NormalizeResult =
  | { readonly ok: true; readonly resource: NormalizedResource }
  | { readonly ok: false; readonly problems: readonly Problem[] };

/** Names that GraphQL clients cannot tell from literals in some tools; never used as field names. */
const RESERVED_NAMES = new Set(['true', 'false', 'null']);

/** The item types each mask kind can work on; null means any. */
const MASK_TYPES: Readonly<Record<MaskKind, readonly ItemType[] | null>> = {
  NONE: null,
  REDACT: null,
  PARTIAL: ['STRING', 'TEXT'],
  NAME: ['STRING', 'TEXT'],
  HASH: ['STRING', 'TEXT'],
  GENERALIZE: ['STRING', 'TEXT', 'DATE', 'DATETIME'],
};

/**
 * Validates a resource input against its schema and every catalog rule;
 * returns every problem (paths under `root`) or the normalised definition.
 */
export function normalizeResource(input: unknown, context: NormalizeContext, root = ''): NormalizeResult {
  const schemaProblems = catalogSchemaProblems('resource', input, root);
  // The semantic rules read fields the schema guarantees; on a malformed input they would only add noise.
  if (schemaProblems.length > 0) return { ok: false, problems: schemaProblems };
  const resource = input as ResourceInput;
  const at = (...segments: (string | number)[]): string => segments.reduce<string>(joinPath, root);
  const problems: Problem[] = [];
  const items = resource.items.map((item) => normalizeItem(item, resource.shareType));

  checkIdentity(resource, context, at, problems);
  checkItemNames(items, at, problems);
  if (!items.some((item) => item.key)) problems.push({ path: at('items'), message: 'must include at least one key item (key: true)' });
  items.forEach((item, index) => checkItem(item, resource.items[index]!.mask, resource.shareType, at, index, problems));
  checkReferences(resource, items, context, at, problems);
  checkSource(resource, items, context, at, problems);
  if (problems.length > 0) return { ok: false, problems };

  return {
    ok: true,
    resource: {
      code: resource.code ?? null,
      apiName: resource.apiName,
      name: resource.name,
      summary: resource.summary,
      classification: resource.classification,
      provider: resource.provider,
      format: resource.format,
      items,
      shareType: resource.shareType,
      shareCondition: resource.shareCondition ?? null,
      shareMethod: resource.shareMethod,
      openToPublic: resource.openToPublic,
      openCondition: resource.openCondition ?? null,
      updateCycle: resource.updateCycle,
      grade: resource.grade ?? 'GENERAL',
      relatedResources: relatedResourcesOf(resource, items),
      source: { connector: resource.source.connector, binding: structuredClone(resource.source.binding) },
    },
  };
}

type PathOf = (...segments: (string | number)[]) => string;

function normalizeItem(item: ItemInput, resourceShareType: ShareType): ResourceItem {
  const sensitivity = item.sensitivity ?? 'INTERNAL';
  return {
    name: item.name,
    label: item.label,
    type: toItemType(item.type),
    length: item.length ?? null,
    shareType: item.shareType ?? resourceShareType,
    sensitivity,
    mask: item.mask ? toMaskRule(item.mask) : defaultMask(sensitivity),
    filterable: item.filterable ?? false,
    key: item.key ?? false,
    references: item.references
      ? { resource: item.references.resource, item: item.references.item, as: item.references.as ?? `${item.name}Ref` }
      : null,
    description: item.description ?? null,
  };
}

function toMaskRule(mask: MaskInput): MaskRule {
  if (mask.kind !== 'PARTIAL') return { kind: mask.kind };
  return { kind: 'PARTIAL', keepStart: mask.keepStart!, keepEnd: mask.keepEnd! };
}

/** Given related resources first, then every referenced resource not yet listed (never the resource itself). */
function relatedResourcesOf(resource: ResourceInput, items: readonly ResourceItem[]): string[] {
  const related = [...(resource.relatedResources ?? [])];
  for (const item of items) {
    const code = item.references?.resource;
    if (code && code !== resource.code && !related.includes(code)) related.push(code);
  }
  return related;
}

function checkIdentity(resource: ResourceInput, context: NormalizeContext, at: PathOf, problems: Problem[]): void {
  const classProblem = classificationProblem(resource.classification);
  if (classProblem) problems.push({ path: at('classification'), message: classProblem });
  const code = resource.code ?? null;
  if (code !== null && code.slice(0, code.indexOf('/')) !== resource.classification) {
    problems.push({
      path: at('code'),
      message: `must be the classification ${resource.classification} followed by / and a 6-digit 顺序码`,
    });
  }
  if (!context.departments.has(resource.provider)) {
    problems.push({ path: at('provider'), message: 'is not a registered department' });
  }
  const registered = code === null ? undefined : context.registered.get(code);
  if (registered && registered.provider !== resource.provider) {
    problems.push({ path: at('provider'), message: `is fixed once registered: ${code} is provided by ${registered.provider}` });
  }
  const nameProblem = apiNameProblem(resource.apiName);
  if (nameProblem) problems.push({ path: at('apiName'), message: nameProblem });
  if (registered && registered.apiName !== resource.apiName) {
    problems.push({ path: at('apiName'), message: `is fixed once registered: ${code} has apiName ${registered.apiName}` });
  } else {
    const holder = context.apiNames.get(resource.apiName);
    if (holder !== undefined && holder !== code) {
      problems.push({ path: at('apiName'), message: `is already used by resource ${holder}` });
    }
  }
}

/** Item names and nested reference fields share one GraphQL type: all must differ. */
function checkItemNames(items: readonly ResourceItem[], at: PathOf, problems: Problem[]): void {
  const taken = new Map<string, string>();
  items.forEach((item, index) => {
    const path = at('items', index, 'name');
    const earlier = taken.get(item.name);
    if (RESERVED_NAMES.has(item.name)) problems.push({ path, message: 'must not be true, false or null' });
    else if (earlier) problems.push({ path, message: `duplicates ${earlier}` });
    else taken.set(item.name, path);
  });
  items.forEach((item, index) => {
    if (!item.references) return;
    const path = at('items', index, 'references', 'as');
    const name = item.references.as;
    const earlier = taken.get(name);
    if (RESERVED_NAMES.has(name)) problems.push({ path, message: 'must not be true, false or null' });
    else if (earlier) problems.push({ path, message: `${name} clashes with ${earlier}; choose another field name` });
    else taken.set(name, path);
  });
}

function checkItem(
  item: ResourceItem,
  maskInput: ItemInput['mask'],
  resourceShareType: ShareType,
  at: PathOf,
  index: number,
  problems: Problem[],
): void {
  if (SHARE_TYPE_STRICTNESS[item.shareType] < SHARE_TYPE_STRICTNESS[resourceShareType]) {
    problems.push({
      path: at('items', index, 'shareType'),
      message: `must not be looser than the resource's shareType ${resourceShareType}`,
    });
  }
  const fits = MASK_TYPES[item.mask.kind];
  if (fits && !fits.includes(item.type)) {
    problems.push({
      path: at('items', index, 'mask', 'kind'),
      message: `${item.mask.kind} masks apply to ${fits.join(' or ')} items, not ${item.type}`,
    });
  }
  if (maskInput && maskInput.kind !== 'PARTIAL') {
    for (const field of ['keepStart', 'keepEnd'] as const) {
      if (maskInput[field] !== undefined && maskInput[field] !== null) {
        problems.push({ path: at('items', index, 'mask', field), message: 'is only used by PARTIAL masks' });
      }
    }
  }
  if (item.type === 'BINARY' && item.filterable) {
    problems.push({ path: at('items', index, 'filterable'), message: 'must be false: BINARY items cannot be filtered' });
  }
  if (item.type === 'BINARY' && item.key) {
    problems.push({ path: at('items', index, 'key'), message: 'must be false: BINARY items cannot be keys' });
  }
}

function checkReferences(
  resource: ResourceInput,
  items: readonly ResourceItem[],
  context: NormalizeContext,
  at: PathOf,
  problems: Problem[],
): void {
  const ownKeys = items.filter((item) => item.key).map((item) => item.name);
  items.forEach((item, index) => {
    if (!item.references) return;
    const { resource: code, item: keyItem } = item.references;
    const keys = code === resource.code ? ownKeys : context.resources.get(code)?.keyItems;
    if (!keys) {
      problems.push({ path: at('items', index, 'references', 'resource'), message: `${code} is not a registered resource` });
    } else if (!keys.includes(keyItem)) {
      problems.push({
        path: at('items', index, 'references', 'item'),
        message: `must be a key item of ${code} (its key items: ${keys.join(', ') || 'none'})`,
      });
    }
  });
  (resource.relatedResources ?? []).forEach((code, index) => {
    if (code !== resource.code && !context.resources.has(code)) {
      problems.push({ path: at('relatedResources', index), message: `${code} is not a registered resource` });
    }
  });
}

function checkSource(
  resource: ResourceInput,
  items: readonly ResourceItem[],
  context: NormalizeContext,
  at: PathOf,
  problems: Problem[],
): void {
  const connector = context.connectors.get(resource.source.connector);
  if (!connector) {
    problems.push({ path: at('source', 'connector'), message: 'is not a registered connector' });
    return;
  }
  if (connector.department !== resource.provider) {
    problems.push({
      path: at('source', 'connector'),
      message: `belongs to department ${connector.department}, not to the provider ${resource.provider}`,
    });
  }
  const kind = context.kinds.get(connector.kind);
  if (!kind) {
    problems.push({ path: at('source', 'connector'), message: `is a ${connector.kind} connector, a kind this gateway does not offer` });
    return;
  }
  const bindingPath = at('source', 'binding');
  const bindingSchemaProblems = findProblems(kind.bindingSchema, resource.source.binding, bindingPath);
  if (bindingSchemaProblems.length > 0) {
    problems.push(...bindingSchemaProblems);
    return;
  }
  const typed = items.map((item) => ({ name: item.name, type: item.type, filterable: item.filterable, key: item.key }));
  for (const problem of kind.bindingProblems(resource.source.binding, typed)) {
    const relative = problem.path === '(root)' ? '' : problem.path;
    problems.push({ path: relative ? joinPath(bindingPath, relative) : bindingPath, message: problem.message });
  }
}
