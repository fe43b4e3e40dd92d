/**
 * Access applications (共享申请) in the database: submit, withdraw, decide
 * (approve, possibly narrowed, or reject), list with visibility, and the
 * history of every state change. The rules come from policies/applicationWorkflow.ts;
 * this module applies them inside transactions.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { dueBy, type WorkingCalendar } from '../../common/workingDays.js';
import { badInput, meridianError, validationFailed } from '../../common/errors.js';
import { recordAdminAction } from '../../db/index.js';
import type { CatalogSnapshot, ResourceDefinition } from '../../catalog/index.js';
import {
  applicationProblems,
  decisionTerms,
  effectiveStatus,
  type ApplicationDecisionRequest,
  type ApplicationRequest,
  type ApplicationStatus,
  type Grant,
  type Principal,
} from '../../policies/index.js';
import { createGrant } from '../grants/grantStore.js';

/** The principal of an event or an applicant, as it was when it acted. */
export type ActorSnapshot = Pick<Principal, 'keyId' | 'label' | 'department' | 'roles'>;

export interface ApplicationRecord {
  readonly id: string;
  readonly resourceCode: string;
  readonly resourceVersion: number;
  readonly providerDepartment: string;
  readonly consumerDepartment: string;
  readonly applicant: ActorSnapshot;
  readonly items: readonly string[];
  readonly purpose: string;
  readonly legalBasis: string;
  readonly contact: string;
  readonly wantedUntil: Date | null;
  /** As clients see it: EXPIRED when the grant's validity ended. */
  readonly status: ApplicationStatus;
  readonly submittedAt: Date;
  readonly dueBy: Date;
  /** Pending past its deadline. */
  readonly overdue: boolean;
  readonly decidedAt: Date | null;
  readonly reason: string | null;
  readonly grantId: string | null;
}

export interface ApplicationEvent {
  readonly applicationId: string;
  readonly at: Date;
  readonly by: ActorSnapshot;
  readonly action: string;
  readonly reason: string | null;
}

interface ApplicationRow {
  id: string;
  resource_code: string;
  resource_version: number;
  provider_code: string;
  consumer_department: string;
  applicant: ActorSnapshot | string;
  items: string[] | string;
  purpose: string;
  legal_basis: string;
  contact: string;
  wanted_until: Date | null;
  status: Exclude<ApplicationStatus, 'EXPIRED'>;
  submitted_at: Date;
  due_by: Date;
  decided_at: Date | null;
  reason: string | null;
  grant_id: string | null;
  grant_valid_until: Date | null;
}

const json = <T>(value: T | string): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);

function snapshot(principal: Principal): ActorSnapshot {
  return { keyId: principal.keyId, label: principal.label, department: principal.department, roles: [...principal.roles] };
}

function toRecord(row: ApplicationRow, now: Date): ApplicationRecord {
  const status = effectiveStatus(row.status, row.grant_valid_until, now);
  return {
    id: row.id,
    resourceCode: row.resource_code,
    resourceVersion: row.resource_version,
    providerDepartment: row.provider_code,
    consumerDepartment: row.consumer_department,
    applicant: json(row.applicant),
    items: json(row.items),
    purpose: row.purpose,
    legalBasis: row.legal_basis,
    contact: row.contact,
    wantedUntil: row.wanted_until,
    status,
    submittedAt: row.submitted_at,
    dueBy: row.due_by,
    overdue: status === 'PENDING' && row.due_by.getTime() < now.getTime(),
    decidedAt: row.decided_at,
    reason: row.reason,
    grantId: row.grant_id,
  };
}

/** Applications joined with their resource's provider and their grant's validity. */
function applicationsQuery(knex: Knex | Knex.Transaction): Knex.QueryBuilder {
  return knex('applications as a')
    .join('resources as r', 'r.code', 'a.resource_code')
    .leftJoin('grants as g', 'g.id', 'a.grant_id')
    .select('a.*', 'r.provider_code', 'g.valid_until as grant_valid_until');
}

/** Records a state change in the application's history and in the admin audit trail. */
async function recordEvent(
  trx: Knex.Transaction,
  applicationId: string,
  at: Date,
  actor: ActorSnapshot,
  action: string,
  reason: string | null,
  details: Readonly<Record<string, unknown>> | null = null,
): Promise<void> {
  await recordAdminAction(trx, { keyId: actor.keyId, department: actor.department, via: 'graphql' }, `application.${action}`, applicationId, {
    reason,
    ...details,
  });
  await trx('application_events').insert({
    application_id: applicationId,
    at,
    actor: JSON.stringify(actor),
    action,
    reason,
    details: details === null ? null : JSON.stringify(details),
  });
}

/** One application as clients see it, or null. */
export async function findApplication(knex: Knex | Knex.Transaction, id: string, now: Date): Promise<ApplicationRecord | null> {
  if (!isUuid(id)) return null;
  const row = (await applicationsQuery(knex).where('a.id', id).first()) as ApplicationRow | undefined;
  return row ? toRecord(row, now) : null;
}

export interface SubmitInput {
  readonly principal: Principal;
  /** The resource's published version. */
  readonly resource: ResourceDefinition;
  readonly request: ApplicationRequest;
  readonly now: Date;
  readonly calendar: WorkingCalendar;
  readonly answerWithinWorkingDays: number;
}

/**
 * Submits an application of the principal's department. Refused with every
 * problem listed when it is invalid, and with CONFLICT when the department
 * already has a pending application for the resource.
 */
export async function submitApplication(knex: Knex, input: SubmitInput): Promise<ApplicationRecord> {
  const { principal, resource, request, now } = input;
  const department = principal.department;
  const problems = applicationProblems(resource, request, now);
  if (resource.provider === department) {
    problems.unshift({ path: 'resource', message: `${resource.code} is your own department's resource: no application is needed to know one's own data` });
  }
  if (problems.length > 0) throw validationFailed('The application', problems);

  const id = randomUUID();
  try {
    await knex.transaction(async (trx) => {
      await trx('applications').insert({
        id,
        resource_code: resource.code,
        resource_version: resource.version,
        consumer_department: department,
        applicant: JSON.stringify(snapshot(principal)),
        items: JSON.stringify(request.items),
        purpose: request.purpose.trim(),
        legal_basis: request.legalBasis.trim(),
        contact: request.contact.trim(),
        wanted_until: request.wantedUntil ? new Date(request.wantedUntil) : null,
        status: 'PENDING',
        submitted_at: now,
        due_by: dueBy(input.calendar, now, input.answerWithinWorkingDays),
      });
      await recordEvent(trx, id, now, snapshot(principal), 'SUBMITTED', null, { items: request.items });
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      const pending = (await knex('applications')
        .where({ consumer_department: department, resource_code: resource.code, status: 'PENDING' })
        .first('id')) as { id: string } | undefined;
      throw meridianError('CONFLICT', {
        what: `Your department already has a pending application${pending ? ` (${pending.id})` : ''} for ${resource.code}: withdraw it or wait for the decision`,
      });
    }
    throw error;
  }
  return (await findApplication(knex, id, now))!;
}

/** Withdraws a pending application of the principal's department. */
export async function withdrawApplication(knex: Knex, id: string, principal: Principal, now: Date): Promise<ApplicationRecord> {
  await knex.transaction(async (trx) => {
    const row = (await lockApplication(trx, id)) ?? null;
    // Another department's application is reported as missing.
    if (!row || row.consumer_department !== principal.department) throw meridianError('NOT_FOUND', { what: 'Application', id });
    if (row.status !== 'PENDING') throw meridianError('CONFLICT', { what: `Application ${id} is ${row.status}, not PENDING: only a pending application can be withdrawn` });
    await trx('applications').where({ id }).update({ status: 'WITHDRAWN', decided_at: now });
    await recordEvent(trx, id, now, snapshot(principal), 'WITHDRAWN', null);
  });
  return (await findApplication(knex, id, now))!;
}

export interface DecideInput {
  readonly id: string;
  readonly principal: Principal;
  readonly request: ApplicationDecisionRequest;
  readonly catalog: CatalogSnapshot;
  readonly now: Date;
}

/**
 * Approves (possibly narrowed: fewer items, a row scope, clear items, quotas,
 * an expiry) or rejects a pending application. Only admins of the resource's
 * provider department may decide, and never on their own department's application.
 */
export async function decideApplication(knex: Knex, input: DecideInput): Promise<ApplicationRecord> {
  const { id, principal, request, catalog, now } = input;
  await knex.transaction(async (trx) => {
    const row = await lockApplication(trx, id);
    if (!row) throw meridianError('NOT_FOUND', { what: 'Application', id });
    const provider = ((await trx('resources').where({ code: row.resource_code }).first('provider_code')) as { provider_code: string })
      .provider_code;
    if (!principal.roles.includes('PROVIDER_ADMIN') || principal.department !== provider) {
      throw meridianError('FORBIDDEN', { operation: `decideApplication on an application for ${row.resource_code}`, roles: [`PROVIDER_ADMIN of ${provider}`] });
    }
    if (row.consumer_department === principal.department) {
      throw meridianError('FORBIDDEN', { operation: "deciding one's own department's application", roles: ['PROVIDER_ADMIN of another department'] });
    }
    if (row.status !== 'PENDING') throw meridianError('CONFLICT', { what: `Application ${id} is ${row.status}, not PENDING: it was decided already` });
    const resource = catalog.published.get(row.resource_code) ?? catalog.resources.get(row.resource_code);
    if (!resource) throw meridianError('NOT_FOUND', { what: 'Resource', id: row.resource_code });
    const { terms, problems } = decisionTerms(resource, { items: json(row.items), wantedUntil: row.wanted_until }, request, now);
    if (problems.length > 0) throw validationFailed('The decision', problems);
    const reason = request.reason?.trim() || null;
    const actor = snapshot(principal);
    if (!terms) {
      await trx('applications').where({ id }).update({ status: 'REJECTED', decided_at: now, reason });
      await recordEvent(trx, id, now, actor, 'REJECTED', reason);
      return;
    }
    const grant = await createGrant(
      trx,
      catalog,
      {
        resourceCode: row.resource_code,
        consumerDepartment: row.consumer_department,
        items: terms.items,
        rowScope: terms.rowScope,
        clearItems: terms.clearItems,
        maxRowsPerDay: terms.maxRowsPerDay,
        maxCallsPerMinute: terms.maxCallsPerMinute,
        validFrom: now,
        validUntil: terms.validUntil,
        applicationId: id,
      },
      { keyId: principal.keyId, department: principal.department, via: 'graphql' },
    );
    await trx('applications').where({ id }).update({ status: 'APPROVED', decided_at: now, reason, grant_id: grant.id });
    const applied: string[] = json(row.items);
    await recordEvent(trx, id, now, actor, 'APPROVED', reason, {
      grantId: grant.id,
      narrowedItems: applied.filter((item) => !terms.items.includes(item)),
      rowScope: terms.rowScope,
      clearItems: terms.clearItems,
      maxRowsPerDay: terms.maxRowsPerDay,
      maxCallsPerMinute: terms.maxCallsPerMinute,
      validUntil: terms.validUntil?.toISOString() ?? null,
    });
  });
  return (await findApplication(knex, id, now))!;
}

/** Marks the application behind a revoked grant REVOKED, with the revoker and reason in its history. */
export async function markRevoked(trx: Knex.Transaction, grant: Grant, principal: Principal, reason: string, now: Date): Promise<void> {
  const row = (await trx('applications').where({ grant_id: grant.id }).first('id')) as { id: string } | undefined;
  if (!row) return;
  await trx('applications').where({ id: row.id }).update({ status: 'REVOKED' });
  await recordEvent(trx, row.id, now, snapshot(principal), 'REVOKED', reason, { grantId: grant.id });
}

export interface ApplicationFilter {
  readonly status?: ApplicationStatus | null;
  readonly resource?: string | null;
  readonly consumer?: string | null;
  /** A department code, or `mine` for the caller's department. */
  readonly provider?: string | null;
  readonly overdue?: boolean | null;
}

export interface ApplicationPage {
  readonly nodes: ApplicationRecord[];
  readonly totalCount: number;
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
}

/**
 * Lists applications the principal may see, newest first: auditors all; a
 * consumer its department's own; a provider admin those for its department's
 * resources. Anything else yields an empty list, not an error.
 */
export async function listApplications(
  knex: Knex,
  principal: Principal,
  filter: ApplicationFilter,
  page: { first: number; after: string | null },
  now: Date,
): Promise<ApplicationPage> {
  const base = applicationsQuery(knex);
  const roles = principal.roles;
  if (!roles.includes('AUDITOR')) {
    const asConsumer = roles.includes('CONSUMER') || roles.includes('GATEWAY');
    const asProvider = roles.includes('PROVIDER_ADMIN');
    if (!asConsumer && !asProvider) return { nodes: [], totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null } };
    base.where((q) => {
      if (asConsumer) q.orWhere('a.consumer_department', principal.department);
      if (asProvider) q.orWhere('r.provider_code', principal.department);
    });
  }
  if (filter.resource) base.where('a.resource_code', filter.resource);
  if (filter.consumer) base.where('a.consumer_department', filter.consumer);
  if (filter.provider) base.where('r.provider_code', filter.provider === 'mine' ? principal.department : filter.provider);
  if (filter.status === 'EXPIRED') base.where('a.status', 'APPROVED').where('g.valid_until', '<=', now);
  else if (filter.status === 'APPROVED') base.where('a.status', 'APPROVED').where((q) => q.whereNull('g.valid_until').orWhere('g.valid_until', '>', now));
  else if (filter.status) base.where('a.status', filter.status);
  if (filter.overdue === true) base.where('a.status', 'PENDING').where('a.due_by', '<', now);
  else if (filter.overdue === false) base.whereNot((q) => q.where('a.status', 'PENDING').where('a.due_by', '<', now));

  const counted = (await base.clone().clearSelect().clearOrder().count({ n: '*' }).first()) as { n: number | string };
  const rows = base.clone();
  if (page.after) rows.whereRaw('(a.submitted_at, a.id) < (?, ?::uuid)', decodeCursor(page.after));
  const found = (await rows
    .orderBy([
      { column: 'a.submitted_at', order: 'desc' },
      { column: 'a.id', order: 'desc' },
    ])
    .limit(page.first + 1)) as ApplicationRow[];
  const nodes = found.slice(0, page.first).map((row) => toRecord(row, now));
  const last = nodes[nodes.length - 1];
  return {
    nodes,
    totalCount: Number(counted.n),
    pageInfo: { hasNextPage: found.length > page.first, endCursor: last ? encodeCursor(last) : null },
  };
}

/** The history of several applications, oldest event first, in one query. */
export async function historyOf(knex: Knex, ids: readonly string[]): Promise<ApplicationEvent[][]> {
  const rows = (await knex('application_events').whereIn('application_id', ids).orderBy('id')) as {
    application_id: string;
    at: Date;
    actor: ActorSnapshot | string;
    action: string;
    reason: string | null;
  }[];
  const byId = new Map<string, ApplicationEvent[]>(ids.map((id) => [id, []]));
  for (const row of rows) {
    byId.get(row.application_id)?.push({ applicationId: row.application_id, at: row.at, by: json(row.actor), action: row.action, reason: row.reason });
  }
  return ids.map((id) => byId.get(id)!);
}

async function lockApplication(trx: Knex.Transaction, id: string): Promise<ApplicationRow | undefined> {
  if (!isUuid(id)) return undefined;
  return (await trx('applications').where({ id }).forUpdate().first()) as ApplicationRow | undefined;
}

function encodeCursor(record: ApplicationRecord): string {
  return Buffer.from(JSON.stringify([record.submittedAt.toISOString(), record.id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && typeof value[0] === 'string' && !Number.isNaN(Date.parse(value[0])) && isUuid(value[1])) {
      return [value[0], value[1] as string];
    }
  } catch {
    // fall through to the typed error
  }
  throw badInput('`after` is not an applications cursor: pass pageInfo.endCursor of the previous page');
}

function isUuid(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === '23505';
}
