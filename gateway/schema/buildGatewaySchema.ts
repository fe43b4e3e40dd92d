/**
 * Assembles the served schema: the contract (kept verbatim), Meridian's
 * extensions, and the data plane generated from the catalog snapshot, with
 * every resolver attached.
 */
import { readFileSync } from 'node:fs';
import { buildASTSchema, parse, type GraphQLSchema } from 'graphql';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { typeNameOf, type CatalogSnapshot, type ResourceDefinition } from '../../catalog/index.js';
import type { Logger } from '../../common/logger.js';
import type { RequestContext } from '../context.js';
import { runDataExchange, type DataFieldArgs, type DataSelection } from '../exchange/runDataExchange.js';
import { RAW_REFERENCES, type ExchangeNode } from '../exchange/runExchange.js';
import { relatedLoader } from '../exchange/lookupRelated.js';
import { selectedNodeFields, selectedObjectFields } from '../exchange/selectedItems.js';
import { buildDataPlaneSdl, type ReferenceField } from './dataPlaneSdl.js';
import { scalarResolvers } from './scalars.js';
import { catalogResolvers } from './resolvers/catalogResolvers.js';
import { keyResolvers } from './resolvers/keyResolvers.js';
import { ledgerResolvers } from './resolvers/ledgerResolvers.js';
import { accessResolvers } from './resolvers/accessResolvers.js';
import { applicationResolvers } from './resolvers/applicationResolvers.js';
import { reportResolvers } from './resolvers/reportResolvers.js';
import type { GraphQLResolveInfo } from 'graphql';

/** The contract as clients outside the project know it. */
export const contractSdl = readFileSync(new URL('./contract.graphql', import.meta.url), 'utf8');
/** Meridian's additions to it. */
export const extensionsSdl = readFileSync(new URL('./extensions.graphql', import.meta.url), 'utf8');

/** Type names of the control plane, which data-plane names must not take. */
const controlPlaneTypeNames: ReadonlySet<string> = new Set(
  Object.keys(buildASTSchema(parse(`${contractSdl}\n${extensionsSdl}`)).getTypeMap()),
);

/** True when a resource apiName's generated type names would clash with the control plane's. */
export function isReservedTypeName(name: string): boolean {
  return controlPlaneTypeNames.has(name);
}

type Resolver = (parent: unknown, args: never, ctx: RequestContext, info: GraphQLResolveInfo) => unknown;
type ResolverMap = Record<string, Record<string, Resolver>>;

function mergeResolvers(...maps: readonly object[]): ResolverMap {
  const merged: ResolverMap = {};
  for (const map of maps) {
    for (const [type, fields] of Object.entries(map)) merged[type] = { ...merged[type], ...(fields as Record<string, Resolver>) };
  }
  return merged;
}

/** Splits selected field names into the resource's items and the referencing items of selected nested fields. */
function selectionOf(resource: ResourceDefinition, references: readonly ReferenceField[], fields: readonly string[]): DataSelection {
  const items = new Set(resource.items.map((item) => item.name));
  return {
    items: fields.filter((field) => items.has(field)),
    references: references.filter((ref) => fields.includes(ref.field)).map((ref) => ref.item),
  };
}

function dataResolver(resource: ResourceDefinition, references: readonly ReferenceField[]): Resolver {
  return (_parent, args: DataFieldArgs, ctx, info) =>
    runDataExchange(resource, args, selectionOf(resource, references, selectedNodeFields(info)), ctx);
}

/** The resolver of a nested related field: its parents' values batched into one look-up per request level. */
function referenceResolver(ref: ReferenceField, relatedReferences: readonly ReferenceField[]): Resolver {
  return async (parent, _args, ctx, info) => {
    const value = (parent as ExchangeNode)[RAW_REFERENCES]?.[ref.item];
    if (value === null || value === undefined) return ref.single ? null : [];
    const selection = selectionOf(ref.related, relatedReferences, selectedObjectFields(info));
    const rows = await relatedLoader(ctx, ref.related, ref.relatedItem, selection).load(value);
    return ref.single ? (rows[0] ?? null) : rows;
  };
}

/** Builds the schema for one catalog snapshot; resources whose names clash are logged and left out. */
export function buildGatewaySchema(catalog: CatalogSnapshot, logger: Logger): GraphQLSchema {
  const dataPlane = buildDataPlaneSdl(catalog.published.values(), controlPlaneTypeNames, (code) => catalog.departments.get(code)?.name ?? code);
  for (const skipped of dataPlane.skipped) logger.error(skipped, 'resource left out of the data plane');

  const dataFields: Record<string, Resolver> = { _resources: () => dataPlane.served.size };
  const referenceFields: Record<string, Record<string, Resolver>> = {};
  for (const [apiName, resource] of dataPlane.served) {
    const references = dataPlane.references.get(apiName) ?? [];
    dataFields[apiName] = dataResolver(resource, references);
    if (references.length === 0) continue;
    referenceFields[typeNameOf(apiName)] = Object.fromEntries(
      references.map((ref) => [ref.field, referenceResolver(ref, dataPlane.references.get(ref.related.apiName) ?? [])]),
    );
  }

  const resolvers = mergeResolvers(
    { Query: { data: () => ({}) }, Data: dataFields },
    referenceFields,
    catalogResolvers,
    keyResolvers,
    ledgerResolvers,
    accessResolvers,
    applicationResolvers,
    reportResolvers,
  );
  return makeExecutableSchema({
    typeDefs: [contractSdl, extensionsSdl, dataPlane.sdl].filter((sdl) => sdl.trim().length > 0),
    resolvers: { ...resolvers, ...scalarResolvers } as never,
  });
}
