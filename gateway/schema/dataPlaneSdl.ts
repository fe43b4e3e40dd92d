/**
 * The data plane's SDL, generated from the published INTERFACE resources:
 * one object type, where input, order enum and connection per resource, and
 * one field under `Data` (DESIGN.md, "GraphQL contract").
 */
import { keyItems, typeNameOf, type ItemType, type ResourceDefinition } from '../../catalog/index.js';

/** The GraphQL scalar of each item type. */
export function scalarOf(type: ItemType): string {
  switch (type) {
    case 'STRING':
    case 'TEXT':
    case 'BINARY':
      return 'String';
    case 'INTEGER':
      return 'Long';
    case 'DECIMAL':
    case 'MONEY':
      return 'Decimal';
    case 'FLOAT':
      return 'Float';
    case 'DATE':
      return 'Date';
    case 'DATETIME':
      return 'DateTime';
    case 'BOOLEAN':
      return 'Boolean';
  }
}

/** The type names one resource adds to the schema. */
export function dataTypeNames(apiName: string): { object: string; where: string; orderField: string; orderBy: string; connection: string } {
  const object = typeNameOf(apiName);
  return {
    object,
    where: `${object}Where`,
    orderField: `${object}OrderField`,
    orderBy: `${object}OrderBy`,
    connection: `${object}Connection`,
  };
}

/** A nested field of a resource's type that follows a referencing item to a related resource (关联资源). */
export interface ReferenceField {
  /** The nested field's name (the reference's `as`). */
  readonly field: string;
  /** The referencing item of this resource. */
  readonly item: string;
  readonly related: ResourceDefinition;
  /** The related resource's item the value matches. */
  readonly relatedItem: string;
  /** One related row (the referenced item is the related resource's only key) or a list. */
  readonly single: boolean;
}

export interface DataPlaneSdl {
  readonly sdl: string;
  /** Resources that got a data field, by apiName. */
  readonly served: ReadonlyMap<string, ResourceDefinition>;
  /** The reference fields of each served resource, by apiName. */
  readonly references: ReadonlyMap<string, readonly ReferenceField[]>;
  /** Resources left out because a name they need is taken. */
  readonly skipped: readonly { readonly code: string; readonly reason: string }[];
}

const description = (text: string): string => JSON.stringify(text);

/**
 * Builds the SDL for `resources`. `takenTypeNames` are the control plane's
 * type names; a resource whose generated names collide is skipped and
 * reported (the catalog prevents this at registration, so it is a guard).
 */
export function buildDataPlaneSdl(
  resources: Iterable<ResourceDefinition>,
  takenTypeNames: ReadonlySet<string>,
  providerName: (code: string) => string,
): DataPlaneSdl {
  const taken = new Set(takenTypeNames);
  const served = new Map<string, ResourceDefinition>();
  const skipped: { code: string; reason: string }[] = [];
  const parts: string[] = [];
  const fields: string[] = [];
  const ordered = [...resources].sort((a, b) => a.code.localeCompare(b.code));

  // First pass: which resources get types, so that references point only at served ones.
  for (const resource of ordered) {
    const names = dataTypeNames(resource.apiName);
    const clash = Object.values(names).find((name) => taken.has(name));
    if (clash || served.has(resource.apiName)) {
      skipped.push({ code: resource.code, reason: `type name ${clash ?? resource.apiName} is already taken` });
      continue;
    }
    Object.values(names).forEach((name) => taken.add(name));
    served.set(resource.apiName, resource);
  }
  const byCode = new Map([...served.values()].map((resource) => [resource.code, resource]));
  const references = new Map<string, ReferenceField[]>();

  for (const resource of served.values()) {
    const names = dataTypeNames(resource.apiName);
    const refs = referenceFieldsOf(resource, byCode);
    references.set(resource.apiName, refs);

    const itemFields = resource.items.map((item) => {
      const about = [item.label, item.description].filter(Boolean).join(': ');
      return `  ${description(about)}\n  ${item.name}: ${scalarOf(item.type)}`;
    });
    const refFields = refs.map((ref) => {
      const type = typeNameOf(ref.related.apiName);
      const about = `关联资源 ${ref.related.name} (${ref.related.code}) by ${ref.item}`;
      // Nullable, a list too: a denied or failed look-up nulls this field, never the parent row.
      return `  ${description(about)}\n  ${ref.field}: ${ref.single ? type : `[${type}!]`}`;
    });
    parts.push(
      `${description(`${resource.name} (${resource.code}, ${providerName(resource.provider)})`)}\ntype ${names.object} {\n${[...itemFields, ...refFields].join('\n')}\n}`,
    );

    const filterable = resource.items.filter((item) => item.filterable);
    if (filterable.length > 0) {
      const filters = filterable.map((item) => `  ${item.name}: ${scalarOf(item.type)}Filter`);
      parts.push(`input ${names.where} {\n${filters.join('\n')}\n}`);
    }
    const orderable = resource.items.filter((item) => item.type !== 'BINARY');
    parts.push(`enum ${names.orderField} {\n${orderable.map((item) => `  ${item.name}`).join('\n')}\n}`);
    parts.push(`input ${names.orderBy} {\n  field: ${names.orderField}!\n  direction: Direction = ASC\n}`);
    parts.push(`type ${names.connection} {\n  nodes: [${names.object}!]!\n  pageInfo: PageInfo!\n}`);

    const args = [
      filterable.length > 0 ? `where: ${names.where}` : null,
      `orderBy: [${names.orderBy}!]`,
      'first: Int = 20',
      'after: String',
    ].filter(Boolean);
    const about = `${resource.name}. 共享类型 ${resource.shareType}${resource.shareCondition ? `: ${resource.shareCondition}` : ''}`;
    fields.push(`  ${description(about)}\n  ${resource.apiName}(${args.join(', ')}): ${names.connection}!`);
  }

  if (fields.length > 0) parts.push(`extend type Data {\n${fields.join('\n')}\n}`);
  return { sdl: parts.join('\n\n'), served, references, skipped };
}

/** The references of a resource whose related resource is served, as nested fields. */
function referenceFieldsOf(resource: ResourceDefinition, served: ReadonlyMap<string, ResourceDefinition>): ReferenceField[] {
  const fields: ReferenceField[] = [];
  for (const item of resource.items) {
    const related = item.references ? served.get(item.references.resource) : undefined;
    if (!item.references || !related || !related.items.some((candidate) => candidate.name === item.references!.item)) continue;
    const keys = keyItems(related);
    fields.push({
      field: item.references.as,
      item: item.name,
      related,
      relatedItem: item.references.item,
      single: keys.length === 1 && keys[0]!.name === item.references.item,
    });
  }
  return fields;
}
