/** The control-plane audit trail: registrations, keys, publishing (who, when, what). */
import type { Knex } from 'knex';

/** Who acted: a key through GraphQL or another HTTP endpoint, or an operator through the CLI. */
export interface Actor {
  readonly keyId: string | null;
  readonly department: string | null;
  readonly via: 'graphql' | 'http' | 'cli' | 'system';
}

/** The actor of CLI commands and start-up tasks. */
export const cliActor: Actor = Object.freeze({ keyId: null, department: null, via: 'cli' });
export const systemActor: Actor = Object.freeze({ keyId: null, department: null, via: 'system' });

/** Records one control-plane action inside the caller's transaction. */
export async function recordAdminAction(
  trx: Knex | Knex.Transaction,
  actor: Actor,
  action: string,
  target: string,
  details: Readonly<Record<string, unknown>> | null = null,
): Promise<void> {
  await trx('admin_audit').insert({
    actor_key_id: actor.keyId,
    actor_department: actor.department,
    via: actor.via,
    action,
    target,
    details: details === null ? null : JSON.stringify(details),
  });
}
