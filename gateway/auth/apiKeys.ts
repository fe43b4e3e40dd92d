/**
 * API keys: issued once, stored only as a SHA-256 hash, looked up in memory.
 * Keys are 256-bit random tokens, so a fast hash is enough (no password
 * stretching needed): the hash cannot be reversed or guessed.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { meridianError, validationFailed, type Problem } from '../../common/errors.js';
import { recordAdminAction, notifyChange, type Actor } from '../../db/index.js';
import { ROLES, type Role } from '../../catalog/model.js';
import type { Principal } from '../../policies/index.js';

/** The prefix that makes Meridian keys recognisable (for example to secret scanners). */
const KEY_PREFIX = 'mrd_';

/** The stored form of a key: hex SHA-256 of the whole key string. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new random key string. */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** A key as cached in memory: who it is and until when. */
export interface KeyEntry {
  readonly principal: Principal;
  readonly expiresAt: Date | null;
}

/** The in-memory index of valid keys, by hash. */
export type KeyIndex = ReadonlyMap<string, KeyEntry>;

interface ApiKeyRow {
  id: string;
  department_code: string;
  label: string;
  roles: Role[] | string;
  secret_hash: string;
  expires_at: Date | null;
}

/** Loads every unrevoked key into an index keyed by hash. */
export async function loadKeyIndex(knex: Knex): Promise<KeyIndex> {
  const rows = (await knex('api_keys').whereNull('revoked_at').select(
    'id',
    'department_code',
    'label',
    'roles',
    'secret_hash',
    'expires_at',
  )) as ApiKeyRow[];
  const index = new Map<string, KeyEntry>();
  for (const row of rows) {
    const roles = (typeof row.roles === 'string' ? JSON.parse(row.roles) : row.roles) as Role[];
    index.set(row.secret_hash, {
      principal: Object.freeze({ keyId: row.id, label: row.label, department: row.department_code, roles: Object.freeze(roles) }),
      expiresAt: row.expires_at,
    });
  }
  return index;
}

/**
 * Finds the principal of a presented key. Throws UNAUTHENTICATED with the
 * reason (missing, unknown or revoked, expired); never echoes the key.
 */
export function authenticate(index: KeyIndex, authorization: string | undefined, now: Date): Principal {
  if (!authorization) throw meridianError('UNAUTHENTICATED', { why: 'no Authorization header' });
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) throw meridianError('UNAUTHENTICATED', { why: 'the Authorization header is not "Bearer <key>"' });
  const entry = index.get(hashApiKey(match[1]!));
  if (!entry) throw meridianError('UNAUTHENTICATED', { why: 'the key is unknown or revoked' });
  if (entry.expiresAt && entry.expiresAt.getTime() <= now.getTime()) {
    throw meridianError('UNAUTHENTICATED', { why: `the key expired at ${entry.expiresAt.toISOString()}` });
  }
  return entry.principal;
}

export interface ApiKeyInput {
  readonly department: string;
  readonly roles: readonly string[];
  readonly label: string;
  readonly expiresAt?: string | null;
}

export interface IssuedKey {
  /** The key itself: shown once, never stored. */
  readonly key: string;
  readonly keyId: string;
  readonly principal: Principal;
  readonly expiresAt: Date | null;
}

/** Issues a key (stored hashed). `key` may be given to ensure a known key (MERIDIAN_ADMIN_KEY). */
export async function issueApiKey(
  knex: Knex,
  input: ApiKeyInput,
  actor: Actor,
  options: { key?: string; keyId?: string; now: Date },
): Promise<IssuedKey> {
  const problems: Problem[] = [];
  const roles = [...new Set(input.roles)];
  if (roles.length === 0) problems.push({ path: 'roles', message: 'must name at least one role' });
  roles.forEach((role, i) => {
    if (!(ROLES as readonly string[]).includes(role)) problems.push({ path: `roles[${i}]`, message: `must be one of ${ROLES.join(', ')}` });
  });
  const label = input.label.trim();
  if (label.length === 0 || label.length > 200) problems.push({ path: 'label', message: 'must be 1 to 200 characters' });
  const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
  if (expiresAt && expiresAt.getTime() <= options.now.getTime()) problems.push({ path: 'expiresAt', message: 'must be in the future' });
  const key = options.key ?? generateApiKey();
  const keyId = options.keyId ?? randomUUID();
  return knex.transaction(async (trx) => {
    const department = await trx('departments').where({ code: input.department }).first('code');
    if (!department) problems.push({ path: 'department', message: `${input.department} is not a registered department` });
    if (problems.length > 0) throw validationFailed('The API key request', problems);
    await trx('api_keys').insert({
      id: keyId,
      department_code: input.department,
      label,
      roles: JSON.stringify(roles),
      secret_hash: hashApiKey(key),
      expires_at: expiresAt,
      created_by: actor.keyId,
    });
    await recordAdminAction(trx, actor, 'issueApiKey', keyId, { department: input.department, roles, label });
    await notifyChange(trx, 'keys');
    return {
      key,
      keyId,
      expiresAt,
      principal: { keyId, label, department: input.department, roles: roles as Role[] },
    };
  });
}

/** Revokes a key; false when there is no such unrevoked key. */
export async function revokeApiKey(knex: Knex, keyId: string, actor: Actor, now: Date): Promise<boolean> {
  return knex.transaction(async (trx) => {
    const updated = await trx('api_keys').where({ id: keyId }).whereNull('revoked_at').update({ revoked_at: now });
    if (updated === 0) return false;
    await recordAdminAction(trx, actor, 'revokeApiKey', keyId);
    await notifyChange(trx, 'keys');
    return true;
  });
}

/** The principal of a key id, whether revoked or not (for audit views). */
export async function findKeyPrincipal(knex: Knex, keyId: string): Promise<(Principal & { expiresAt: Date | null }) | null> {
  const row = (await knex('api_keys').where({ id: keyId }).first('id', 'department_code', 'label', 'roles', 'expires_at')) as
    | ApiKeyRow
    | undefined;
  if (!row) return null;
  const roles = (typeof row.roles === 'string' ? JSON.parse(row.roles) : row.roles) as Role[];
  return { keyId: row.id, label: row.label, department: row.department_code, roles, expiresAt: row.expires_at };
}
