import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { creditCodeCheckChar } from '../../common/identifiers.js';
import { buildDemoCatalog, demoDepartmentCode } from '../../demo/index.js';
import { postGraphQL, startGatewayProcess, type GatewayProcess } from '../support/processGateway.js';
import { childEnv, freePort, runCli, temporaryFolder } from '../support/processRunner.js';

interface ImportSummary {
  departments: { created: number; updated: number; unchanged: number };
  connectors: { created: number; updated: number; unchanged: number };
  resources: { created: number; updated: number; unchanged: number };
  published: number;
  deprecated: number;
}

interface CatalogFileShape {
  departments: Record<string, unknown>[];
  connectors: Record<string, unknown>[];
  resources: { classification: string; summary: string; items: Record<string, unknown>[] }[];
}

const demo = buildDemoCatalog();
const HRSS = demoDepartmentCode(demo, 'hrss');

describe('CLI: meridian migrate, catalog import|export, keys issue', function () {
  this.timeout(120_000);
  let folder: ReturnType<typeof temporaryFolder>;
  let env: NodeJS.ProcessEnv;
  let gateway: GatewayProcess | null = null;
  let exportedPath: string;

  before(() => {
    folder = temporaryFolder('meridian-cli');
    env = childEnv({ MERIDIAN_DATA_DIR: folder.path, MERIDIAN_LOG_LEVEL: 'warn' });
    exportedPath = join(folder.path, 'catalog.yaml');
  });
  after(async () => {
    await gateway?.process.kill();
    folder?.remove();
  });

  it('migrate applies the migrations to a new data folder, then reports it up to date', async () => {
    const first = await runCli(['migrate'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^applied: .*001_core/);
    const second = await runCli(['migrate'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, 'up to date\n');
  });

  it('catalog import registers a catalog file; exporting and importing it again changes nothing', async () => {
    const demoPath = join(folder.path, 'demo.json');
    writeFileSync(demoPath, JSON.stringify(demo, null, 2));
    const imported = await runCli(['catalog', 'import', demoPath], env);
    assert.equal(imported.code, 0, imported.stderr);
    const created = JSON.parse(imported.stdout) as ImportSummary;
    assert.equal(created.departments.created, demo.departments.length);
    assert.equal(created.resources.created, demo.resources.length);

    const exported = await runCli(['catalog', 'export', '--format', 'yaml', '--out', exportedPath], env);
    assert.equal(exported.code, 0, exported.stderr);
    const file = parseYaml(readFileSync(exportedPath, 'utf8')) as CatalogFileShape;
    assert.equal(file.resources.length, demo.resources.length);

    const again = await runCli(['catalog', 'import', exportedPath], env);
    assert.equal(again.code, 0, again.stderr);
    const summary = JSON.parse(again.stdout) as ImportSummary;
    assert.deepEqual(
      [summary.departments, summary.connectors, summary.resources, summary.published, summary.deprecated],
      [
        { created: 0, updated: 0, unchanged: demo.departments.length },
        { created: 0, updated: 0, unchanged: demo.connectors.length },
        { created: 0, updated: 0, unchanged: demo.resources.length },
        0,
        0,
      ],
    );
  });

  it('catalog import of an invalid file exits 1, names each problem by its path and writes nothing', async () => {
    const original = readFileSync(exportedPath, 'utf8');
    const file = parseYaml(original) as CatalogFileShape;
    // A new resource with two mistakes: a 类 that does not exist (1-3 do), and an item without its label...
    const { code: _code, ...copy } = structuredClone(file.resources[1]!) as CatalogFileShape['resources'][number] & { code?: string };
    const wrong = { ...copy, apiName: 'enterprisesAgain', status: 'DRAFT', classification: '909001' };
    delete wrong.items[0]!.label;
    file.resources.push(wrong);
    const wrongAt = file.resources.length - 1;
    // ...beside valid changes, which must not be saved either (all or nothing).
    file.resources[0]!.summary = `${file.resources[0]!.summary}（已修订）`;
    const body = '11330100MB1999999';
    file.departments.push({ code: body + creditCodeCheckChar(body), name: '杭州市新设局', regionCode: '330100', level: 'MUNICIPAL', parent: null });
    const invalidPath = join(folder.path, 'invalid.yaml');
    writeFileSync(invalidPath, stringifyYaml(file));

    const result = await runCli(['catalog', 'import', invalidPath], env);
    assert.equal(result.code, 1, result.stdout);
    assert.equal(result.stdout, '', 'no summary is printed');
    const problemLines = result.stderr.split('\n').filter((line) => /^\s+\S+: /.test(line));
    assert.deepEqual(
      problemLines.map((line) => line.trim().split(':')[0]).sort(),
      [`resources[${wrongAt}].classification`, `resources[${wrongAt}].items[0].label`],
      result.stderr,
    );

    const afterPath = join(folder.path, 'after.yaml');
    const exported = await runCli(['catalog', 'export', '--format', 'yaml', '--out', afterPath], env);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(readFileSync(afterPath, 'utf8'), original, 'the catalog is exactly as before the failed import');
  });

  it('keys issue refuses an unknown role and names the allowed ones', async () => {
    const result = await runCli(['keys', 'issue', '--department', HRSS, '--role', 'SUPERUSER', '--label', 'x'], env);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '', 'no key is printed');
    assert.match(result.stderr, /SUPERUSER/);
    assert.match(result.stderr, /CONSUMER, PROVIDER_ADMIN, CATALOG_ADMIN, AUDITOR, GATEWAY/);
  });

  it('keys issue prints a key that a gateway started on the same folder accepts', async () => {
    const issued = await runCli(['keys', 'issue', '--department', HRSS, '--role', 'CONSUMER', '--label', 'x'], env);
    assert.equal(issued.code, 0, issued.stderr);
    const key = issued.stdout.trim();
    assert.ok(key.length >= 32 && !/\s/.test(key), `one key on stdout: ${issued.stdout}`);

    // Only now: the embedded database is opened by one process at a time.
    const port = await freePort();
    gateway = await startGatewayProcess(
      process.execPath,
      ['--import', 'tsx', 'cli/meridian.ts', 'serve'],
      { ...env, PORT: String(port), HOST: '127.0.0.1' },
      60_000,
    );
    assert.deepEqual(gateway.banner.keys, {}, 'no demo was loaded over the imported catalog');
    const me = await postGraphQL(gateway.banner.url, key, '{ me { label roles department { code } } }');
    assert.deepEqual(me.body, { data: { me: { label: 'x', roles: ['CONSUMER'], department: { code: HRSS } } } });
    const stranger = await postGraphQL(gateway.banner.url, `mrd_${'x'.repeat(43)}`, '{ me { label } }');
    assert.equal(stranger.status, 401);
  });
});
