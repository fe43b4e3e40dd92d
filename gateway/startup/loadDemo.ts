/**
 * The demo, loaded into an empty database on start: departments and their
 * source data, the published catalog, grants, and one API key per role. The
 * keys are shown once at load and kept in <dataDir>/demo-keys.json (mode 0600)
 * so later starts can show them again. Which demo is the configuration's
 * choice: the city (reading from a province gateway when demoUpstream is set)
 * or the province.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Knex } from 'knex';
import type { MeridianConfig } from '../../common/config.js';
import { systemActor } from '../../db/index.js';
import { importCatalog, loadCatalogSnapshot, type CatalogFile, type SourceKinds } from '../../catalog/index.js';
import {
  buildDemoCatalog,
  buildDemoGrants,
  buildProvinceCatalog,
  buildProvinceGrants,
  buildProvinceUpstreamGrants,
  createDemoSources,
  createProvinceSources,
  demoKeyHolders,
  provinceKeyHolders,
  withProvinceUpstream,
  type DemoGrant,
  type DemoKeyHolder,
} from '../../demo/index.js';
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

/** Which demo to load: the configuration's demo settings. */
export type DemoChoice = Pick<MeridianConfig, 'demoProfile' | 'demoUpstream'>;

/** What one demo consists of. */
interface DemoPlan {
  readonly catalog: CatalogFile;
  createSources(trx: Knex.Transaction): Promise<Record<string, number>>;
  readonly grants: readonly DemoGrant[];
  readonly holders: readonly DemoKeyHolder[];
}

function demoPlan(choice: DemoChoice, now: Date): DemoPlan {
  if (choice.demoProfile === 'province') {
    const province = buildProvinceCatalog();
    return {
      catalog: province,
      createSources: (trx) => createProvinceSources(trx),
      grants: buildProvinceGrants(province, now),
      holders: provinceKeyHolders(province),
    };
  }
  const city = buildDemoCatalog();
  const upstream = choice.demoUpstream;
  return {
    catalog: upstream === null ? city : withProvinceUpstream(city, upstream),
    createSources: (trx) => createDemoSources(trx),
    grants: [...buildDemoGrants(city, now), ...(upstream === null ? [] : buildProvinceUpstreamGrants(city, now))],
    holders: demoKeyHolders(city),
  };
}

/**
 * Loads the whole demo `choice` names in one transaction: it is there
 * completely or not at all. A city reading from a province needs the
 * province's host on the HTTP allow-list and its key in the secret
 * DEMO_UPSTREAM_KEY (`kinds` checks both), else nothing is loaded (VALIDATION_FAILED).
 */
export async function loadDemo(knex: Knex, kinds: SourceKinds, now: Date, choice: DemoChoice): Promise<DemoKey[]> {
  const plan = demoPlan(choice, now);
  return knex.transaction(async (trx) => {
    await plan.createSources(trx);
    await importCatalog(trx, plan.catalog, kinds, systemActor);
    const catalog = await loadCatalogSnapshot(trx);
    for (const grant of plan.grants) await createGrant(trx, catalog, grant, systemActor);
    const keys: DemoKey[] = [];
    for (const holder of plan.holders) {
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
