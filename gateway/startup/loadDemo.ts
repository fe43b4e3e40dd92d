/**
 * The demo, loaded into an empty database on start: departments and their
 * source data, the published catalog, grants, and one API key per role. The
 * keys are shown once at load and kept in <dataDir>/demo-keys.json (mode 0600)
 * so later starts can show them again.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { systemActor } from '../../db/index.js';
import { importCatalog, loadCatalogSnapshot, type SourceKinds } from '../../catalog/index.js';
import { buildDemoCatalog, buildDemoGrants, createDemoSources, demoKeyHolders } from '../../demo/index.js';
import type { Role } from '../../catalog/index.js';
import { issueApiKey } from '../auth/apiKeys.js';
import { createGrant } from '../grants/grantStore.js';

/** One demo key as shown to the newcomer. */
export interface DemoKey {
  readonly role: Role;
  readonly department: string;
  readonly departmentName: string;
  readonly label: string;
  readonly key: string;
}

/** True when the database holds no department yet (a fresh installation). */
export async function isEmptyDatabase(knex: Knex): Promise<boolean> {
  return !(await knex('departments').first('code'));
}

/** Loads the whole demo in one transaction: it is there completely or not at all. */
export async function loadDemo(knex: Knex, kinds: SourceKinds, now: Date): Promise<DemoKey[]> {
  const file = buildDemoCatalog();
  return knex.transaction(async (trx) => {
    await createDemoSources(trx);
    await importCatalog(trx, file, kinds, systemActor);
    const catalog = await loadCatalogSnapshot(trx);
    for (const grant of buildDemoGrants(file, now)) await createGrant(trx, catalog, grant, systemActor);
    const keys: DemoKey[] = [];
    for (const holder of demoKeyHolders(file)) {
      const issued = await issueApiKey(trx, { department: holder.department, roles: [holder.role], label: holder.label }, systemActor, { now });
      keys.push({
        role: holder.role as Role,
        department: holder.department,
        departmentName: catalog.departments.get(holder.department)?.name ?? holder.department,
        label: holder.label,
        key: issued.key,
      });
    }
    return keys;
  });
}

/** Where the demo keys are kept. */
export function demoKeysPath(dataDir: string): string {
  return join(dataDir, 'demo-keys.json');
}

/** Saves the demo keys readable by the owner only. */
export function saveDemoKeys(dataDir: string, keys: readonly DemoKey[]): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(demoKeysPath(dataDir), `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
}

/** The saved demo keys, or null when there are none. */
export function readDemoKeys(dataDir: string): DemoKey[] | null {
  const path = demoKeysPath(dataDir);
  if (!existsSync(path)) return null;
  return JSON.parse(readFileSync(path, 'utf8')) as DemoKey[];
}
