/**
 * The catalog through GraphQL: departments, connectors, resources, search,
 * registration and lifecycle. Reads come from the in-memory snapshot; writes go
 * through catalog/ and refresh this instance's snapshot before they answer.
 */
import {
  classificationPath,
  deprecateResource,
  getResourceVersion,
  publishResource,
  registerConnector,
  registerDepartment,
  registerResource,
  searchCatalog,
  type CatalogFilter,
  type CatalogSnapshot,
  type Department,
  type ResourceDefinition,
  type ResourceItem,
} from '../../../catalog/index.js';
import type { RequestContext } from '../../context.js';
import { actorOf, administers, hasRole, requireRole, withoutNulls } from './access.js';

/** The department of `code` from the snapshot; a placeholder keeps history readable if one was removed. */
export function departmentOf(catalog: CatalogSnapshot, code: string): Department {
  return catalog.departments.get(code) ?? { code, name: code, regionCode: '', level: 'MUNICIPAL', parent: null };
}

/** Whether the principal may see a resource version of this status. */
function canSee(ctx: RequestContext, resource: ResourceDefinition): boolean {
  return resource.status !== 'DRAFT' || administers(ctx.principal, resource.provider);
}

/** The version of `code` the caller may see: the admin view for those who administer it, else the consumer view. */
function visibleVersion(ctx: RequestContext, code: string): ResourceDefinition | undefined {
  const adminView = ctx.catalog.resources.get(code);
  return adminView && canSee(ctx, adminView) ? adminView : ctx.catalog.visible.get(code);
}

async function afterCatalogChange(ctx: RequestContext): Promise<void> {
  await ctx.services.state.refresh('catalog');
}

export const catalogResolvers = {
  Query: {
    departments: (_: unknown, __: unknown, ctx: RequestContext) =>
      [...ctx.catalog.departments.values()].sort((a, b) => a.code.localeCompare(b.code)),

    catalog: (_: unknown, args: { filter?: CatalogFilter | null; first?: number | null; after?: string | null }, ctx: RequestContext) =>
      searchCatalog(ctx.catalog, withoutNulls(args.filter ?? {}), {
        includeDrafts: hasRole(ctx.principal, 'CATALOG_ADMIN'),
        first: args.first ?? 20,
        after: args.after ?? null,
        maxPageSize: ctx.services.config.limits.maxPageSize,
      }),

    async resource(_: unknown, args: { code: string; version?: number | null }, ctx: RequestContext) {
      const found =
        args.version === null || args.version === undefined
          ? (ctx.catalog.resources.get(args.code) ?? null)
          : await getResourceVersion(ctx.services.knex, args.code, args.version);
      if (!found) return null;
      if (canSee(ctx, found)) return found;
      // A consumer asking for a code whose admin view is a draft sees the visible version, if any.
      return args.version === null || args.version === undefined ? (ctx.catalog.visible.get(args.code) ?? null) : null;
    },

    connectors(_: unknown, __: unknown, ctx: RequestContext) {
      requireRole(ctx.principal, 'connectors', 'CATALOG_ADMIN');
      return [...ctx.catalog.connectors.values()].sort((a, b) => a.id.localeCompare(b.id));
    },
  },

  Mutation: {
    async registerDepartment(_: unknown, args: { input: unknown }, ctx: RequestContext) {
      requireRole(ctx.principal, 'registerDepartment', 'CATALOG_ADMIN');
      const department = await registerDepartment(ctx.services.knex, withoutNulls(args.input), actorOf(ctx.principal));
      await afterCatalogChange(ctx);
      return department;
    },

    async registerConnector(_: unknown, args: { input: unknown }, ctx: RequestContext) {
      requireRole(ctx.principal, 'registerConnector', 'CATALOG_ADMIN');
      const connector = await registerConnector(ctx.services.knex, withoutNulls(args.input), ctx.services.connectorKinds, actorOf(ctx.principal));
      await afterCatalogChange(ctx);
      return connector;
    },

    async registerResource(_: unknown, args: { input: unknown }, ctx: RequestContext) {
      requireRole(ctx.principal, 'registerResource', 'CATALOG_ADMIN');
      const resource = await registerResource(ctx.services.knex, withoutNulls(args.input), ctx.services.connectorKinds, actorOf(ctx.principal));
      await afterCatalogChange(ctx);
      return resource;
    },

    async publishResource(_: unknown, args: { code: string; version?: number | null }, ctx: RequestContext) {
      requireRole(ctx.principal, 'publishResource', 'CATALOG_ADMIN');
      const resource = await publishResource(ctx.services.knex, args.code, args.version ?? null, actorOf(ctx.principal));
      await afterCatalogChange(ctx);
      return resource;
    },

    async deprecateResource(_: unknown, args: { code: string; reason: string }, ctx: RequestContext) {
      requireRole(ctx.principal, 'deprecateResource', 'CATALOG_ADMIN');
      const resource = await deprecateResource(ctx.services.knex, args.code, args.reason, actorOf(ctx.principal));
      await afterCatalogChange(ctx);
      return resource;
    },
  },

  Department: {
    parent: (department: Department, _: unknown, ctx: RequestContext) =>
      department.parent ? departmentOf(ctx.catalog, department.parent) : null,
  },

  Connector: {
    department: (connector: { department: string }, _: unknown, ctx: RequestContext) => departmentOf(ctx.catalog, connector.department),
    state: (connector: { id: string }, _: unknown, ctx: RequestContext) =>
      ctx.services.connectors.get(connector.id)?.status().state ?? 'NOT_READY',
    message: (connector: { id: string }, _: unknown, ctx: RequestContext) =>
      ctx.services.connectors.get(connector.id)?.status().message ?? 'not started on this instance',
  },

  Resource: {
    versions: (resource: ResourceDefinition, _: unknown, ctx: RequestContext) => ctx.catalog.versions.get(resource.code) ?? [resource.version],
    classification: (resource: ResourceDefinition) => ({
      code: resource.classification,
      path: classificationPath(resource.classification),
    }),
    provider: (resource: ResourceDefinition, _: unknown, ctx: RequestContext) => departmentOf(ctx.catalog, resource.provider),
    // Whether a related draft shows depends on who administers the draft, not the resource that lists it.
    relatedResources: (resource: ResourceDefinition, _: unknown, ctx: RequestContext) =>
      resource.relatedResources.map((code) => visibleVersion(ctx, code)).filter(Boolean),
    connector(resource: ResourceDefinition, _: unknown, ctx: RequestContext) {
      if (!administers(ctx.principal, resource.provider)) return null;
      return ctx.catalog.connectors.get(resource.source.connector) ?? null;
    },
    source(resource: ResourceDefinition, _: unknown, ctx: RequestContext) {
      return administers(ctx.principal, resource.provider) ? resource.source : null;
    },
  },

  ResourceItem: {
    references(item: ResourceItem, _: unknown, ctx: RequestContext) {
      if (!item.references) return null;
      // A reference to a resource the caller may not see (a draft) is left out rather than revealing it.
      const related = visibleVersion(ctx, item.references.resource);
      return related ? { resource: related, item: item.references.item, field: item.references.as } : null;
    },
  },
};
