/**
 * Conditional sharing: access applications and their history, and the
 * quota counters shared by every gateway instance, with the function that
 * admits one exchange under a grant atomically.
 */
import type { Knex } from 'knex';

export const name = '002_applications_and_quotas';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('applications', (t) => {
    t.uuid('id').primary();
    t.text('resource_code').notNullable().references('code').inTable('resources');
    t.integer('resource_version').notNullable();
    t.string('consumer_department', 18).notNullable().references('code').inTable('departments');
    // Who applied, as the key was at the time: {keyId, label, department, roles}.
    t.jsonb('applicant').notNullable();
    t.jsonb('items').notNullable();
    t.text('purpose').notNullable();
    t.text('legal_basis').notNullable();
    t.text('contact').notNullable();
    t.timestamp('wanted_until', { useTz: true }).nullable();
    // EXPIRED is not stored: an APPROVED application whose grant's validity ended is expired.
    t.string('status', 16).notNullable();
    t.timestamp('submitted_at', { useTz: true }).notNullable();
    t.timestamp('due_by', { useTz: true }).notNullable();
    t.timestamp('decided_at', { useTz: true }).nullable();
    t.text('reason').nullable();
    t.uuid('grant_id').nullable().references('id').inTable('grants');
    t.index(['consumer_department', 'submitted_at']);
    t.index(['resource_code', 'submitted_at']);
    t.index(['status', 'due_by']);
  });
  await knex.raw(
    "ALTER TABLE applications ADD CONSTRAINT applications_status_check CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED', 'WITHDRAWN', 'REVOKED'))",
  );
  // One pending application per department and resource: a second one is a duplicate.
  await knex.raw("CREATE UNIQUE INDEX applications_one_pending ON applications (consumer_department, resource_code) WHERE status = 'PENDING'");

  await knex.schema.createTable('application_events', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('application_id').notNullable().references('id').inTable('applications');
    t.timestamp('at', { useTz: true }).notNullable();
    // The acting principal as it was: {keyId, label, department, roles}.
    t.jsonb('actor').notNullable();
    t.string('action', 16).notNullable();
    t.text('reason').nullable();
    t.jsonb('details').nullable();
    t.index(['application_id', 'id']);
  });

  // Usage of a grant's quotas per window (a minute for calls, a local day for rows).
  await knex.schema.createTable('quota_counters', (t) => {
    t.uuid('grant_id').notNullable().references('id').inTable('grants');
    t.string('kind', 8).notNullable();
    t.timestamp('window_start', { useTz: true }).notNullable();
    t.bigInteger('used').notNullable().defaultTo(0);
    t.primary(['grant_id', 'kind', 'window_start']);
  });

  // Admits one exchange under a grant, in one round trip and atomically across instances:
  // the grant must be unrevoked and valid, a call must be left this minute and a row today.
  // On admission it counts the call and reserves up to p_want rows (the caller gives back
  // what it did not deliver). It returns the usage found before this call either way.
  await knex.raw(`
    CREATE FUNCTION meridian_admit(
      p_grant uuid, p_now timestamptz, p_minute timestamptz, p_day timestamptz,
      p_max_calls integer, p_max_rows integer, p_want integer)
    RETURNS TABLE (found boolean, revoked_at timestamptz, valid_until timestamptz,
                   calls_before bigint, rows_before bigint, admitted boolean, reserved integer)
    LANGUAGE plpgsql AS $$
    DECLARE
      g record;
      c bigint := 0;
      r bigint := 0;
      ok boolean := true;
      res integer := p_want;
    BEGIN
      SELECT grants.revoked_at, grants.valid_until INTO g FROM grants WHERE grants.id = p_grant FOR SHARE;
      IF NOT FOUND THEN
        RETURN QUERY SELECT false, NULL::timestamptz, NULL::timestamptz, 0::bigint, 0::bigint, false, 0;
        RETURN;
      END IF;
      IF g.revoked_at IS NOT NULL OR (g.valid_until IS NOT NULL AND g.valid_until <= p_now) THEN
        ok := false;
      END IF;
      IF p_max_calls IS NOT NULL THEN
        INSERT INTO quota_counters (grant_id, kind, window_start, used) VALUES (p_grant, 'calls', p_minute, 0)
          ON CONFLICT DO NOTHING;
        SELECT q.used INTO c FROM quota_counters q
          WHERE q.grant_id = p_grant AND q.kind = 'calls' AND q.window_start = p_minute FOR UPDATE;
        IF c >= p_max_calls THEN ok := false; END IF;
      END IF;
      IF p_max_rows IS NOT NULL THEN
        INSERT INTO quota_counters (grant_id, kind, window_start, used) VALUES (p_grant, 'rows', p_day, 0)
          ON CONFLICT DO NOTHING;
        SELECT q.used INTO r FROM quota_counters q
          WHERE q.grant_id = p_grant AND q.kind = 'rows' AND q.window_start = p_day FOR UPDATE;
        IF r >= p_max_rows THEN ok := false; ELSE res := LEAST(p_want, p_max_rows - r); END IF;
      END IF;
      IF ok THEN
        IF p_max_calls IS NOT NULL THEN
          UPDATE quota_counters q SET used = q.used + 1
            WHERE q.grant_id = p_grant AND q.kind = 'calls' AND q.window_start = p_minute;
        END IF;
        IF p_max_rows IS NOT NULL AND res > 0 THEN
          UPDATE quota_counters q SET used = q.used + res
            WHERE q.grant_id = p_grant AND q.kind = 'rows' AND q.window_start = p_day;
        END IF;
      END IF;
      RETURN QUERY SELECT true, g.revoked_at, g.valid_until, c, r, ok, CASE WHEN ok THEN res ELSE 0 END;
    END
    $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS meridian_admit(uuid, timestamptz, timestamptz, timestamptz, integer, integer, integer)');
  await knex.schema.dropTableIfExists('quota_counters');
  await knex.schema.dropTableIfExists('application_events');
  await knex.schema.dropTableIfExists('applications');
}
