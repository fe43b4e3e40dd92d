/**
 * Assembles the served schema: the contract (kept verbatim), Meridian's
 * extensions, and the data plane generated from the catalog snapshot, with
 * every resolver attached.
 */
import { readFileSync } from 'node:fs';
import { buildASTSchema, parse, type GraphQLSchema } from 'graphql';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { CatalogSnapshot, ResourceDefinition } from '../../catalog/index.js';
import type { Logger } from '../../common/logger.js';
import type { RequestContext } from '../context.js';
import { runDataExchange, type DataFieldArgs } from '../exchange/runDataExchange.js';
import { selectedNodeFields } from '../exchange/selectedItems.js';
import { buildDataPlaneSdl } from './dataPlaneSdl.js';
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

function dataResolver(resource: ResourceDefinition): Resolver {
  return (_parent, args: DataFieldArgs, ctx, info) => runDataExchange(resource, args, selectedNodeFields(info), ctx);
}

/** Builds the schema for one catalog snapshot; resources whose names clash are logged and left out. */
export function buildGatewaySchema(catalog: CatalogSnapshot, logger: Logger): GraphQLSchema {
  const dataPlane = buildDataPlaneSdl(catalog.published.values(), controlPlaneTypeNames, (code) => catalog.departments.get(code)?.name ?? code);
  for (const skipped of dataPlane.skipped) logger.error(skipped, 'resource left out of the data plane');

  const dataFields: Record<string, Resolver> = { _resources: () => dataPlane.served.size };
  for (const [apiName, resource] of dataPlane.served) dataFields[apiName] = dataResolver(resource);

  const resolvers = mergeResolvers(
    { Query: { data: () => ({}) }, Data: dataFields },
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
