/**
 * Cache invalidation across gateway instances: a change to cached state sends
 * NOTIFY in the same transaction, so every instance hears of it once it commits.
 */
import type { Knex } from 'knex';

/** The channel every instance listens on. */
export const CHANGES_CHANNEL = 'meridian_changes';

/** What changed: each kind names one in-memory cache to reload. */
export type ChangeKind = 'catalog' | 'keys' | 'grants';

/** Queues a change notification; delivered when `trx` commits. */
export async function notifyChange(trx: Knex | Knex.Transaction, kind: ChangeKind): Promise<void> {
  await trx.raw('select pg_notify(?, ?)', [CHANGES_CHANNEL, kind]);
}

/** Narrows a NOTIFY payload to a change kind, or null for anything else. */
export function parseChangeKind(payload: string): ChangeKind | null {
  return payload === 'catalog' || payload === 'keys' || payload === 'grants' ? payload : null;
}
