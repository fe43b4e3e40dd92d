/**
 * The data plane's SDL, generated from the published INTERFACE resources:
 * one object type, where input, order enum and connection per resource, and
 * one field under `Data` (DESIGN.md, "GraphQL contract").
 */
import { typeNameOf, type ItemType, type ResourceDefinition } from '../../catalog/index.js';

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

export interface DataPlaneSdl {
  readonly sdl: string;
  /** Resources that got a data field, by apiName. */
  readonly served: ReadonlyMap<string, ResourceDefinition>;
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

  for (const resource of ordered) {
    const names = dataTypeNames(resource.apiName);
    const clash = Object.values(names).find((name) => taken.has(name));
    if (clash || served.has(resource.apiName)) {
      skipped.push({ code: resource.code, reason: `type name ${clash ?? resource.apiName} is already taken` });
      continue;
    }
    Object.values(names).forEach((name) => taken.add(name));
    served.set(resource.apiName, resource);

    const itemFields = resource.items.map((item) => {
      const about = [item.label, item.description].filter(Boolean).join(': ');
      return `  ${description(about)}\n  ${item.name}: ${scalarOf(item.type)}`;
    });
    parts.push(
      `${description(`${resource.name} (${resource.code}, ${providerName(resource.provider)})`)}\ntype ${names.object} {\n${itemFields.join('\n')}\n}`,
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
  return { sdl: parts.join('\n\n'), served, skipped };
}
