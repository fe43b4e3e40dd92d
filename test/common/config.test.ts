import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../common/config.js';
import { isMeridianError } from '../../common/errors.js';

function configError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(isMeridianError(error));
    assert.equal(error.code, 'CONFIG_INVALID');
    return error.message;
  }
  assert.fail('expected CONFIG_INVALID');
}

describe('Config: environment and file', () => {
  it('fills the documented defaults: port 4000, embedded ./data, demo on, page cap 500', () => {
    const config = loadConfig({});
    assert.equal(config.port, 4000);
    assert.equal(config.databaseUrl, null);
    assert.equal(config.dataDir, './data');
    assert.equal(config.adminKey, null);
    assert.equal(config.demo, true);
    assert.equal(config.limits.maxPageSize, 500);
    assert.equal(config.timeZone, 'Asia/Shanghai');
  });

  it('reads PORT, DATABASE_URL, MERIDIAN_DATA_DIR and MERIDIAN_ADMIN_KEY from the environment', () => {
    const config = loadConfig({
      PORT: '4100',
      DATABASE_URL: 'postgres://meridian@db.example:5432/meridian',
      MERIDIAN_DATA_DIR: '/var/lib/meridian',
      MERIDIAN_ADMIN_KEY: 'a-long-enough-admin-key-0123456789',
      MERIDIAN_DEMO: 'false',
    });
    assert.equal(config.port, 4100);
    assert.equal(config.databaseUrl, 'postgres://meridian@db.example:5432/meridian');
    assert.equal(config.dataDir, '/var/lib/meridian');
    assert.equal(config.adminKey, 'a-long-enough-admin-key-0123456789');
    assert.equal(config.demo, false);
  });

  it('checks the operator department code, check character included', () => {
    assert.match(configError(() => loadConfig({ MERIDIAN_OPERATOR_CODE: '11000000MB00000015' })), /operator\.code \(MERIDIAN_OPERATOR_CODE\) must match format "credit-code"/);
    assert.equal(loadConfig({ MERIDIAN_OPERATOR_CODE: '11330100MB0000000N' }).operator.code, '11330100MB0000000N');
  });

  it('reads the application deadline calendar, lists comma-separated, and checks every date', () => {
    const config = loadConfig({ MERIDIAN_HOLIDAYS: '2026-10-01, 2026-10-02', MERIDIAN_MAKEUP_WORKDAYS: '2026-09-27', MERIDIAN_ANSWER_WORKING_DAYS: '15' });
    assert.deepEqual(config.applications, { answerWithinWorkingDays: 15, holidays: ['2026-10-01', '2026-10-02'], makeUpWorkdays: ['2026-09-27'] });
    assert.equal(loadConfig({}).applications.answerWithinWorkingDays, 10);
    assert.match(configError(() => loadConfig({ MERIDIAN_HOLIDAYS: '2026-02-30' })), /applications\.holidays\[0\] must match format "date"/);
  });

  it('is frozen all the way down', () => {
    const config = loadConfig({});
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.limits));
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
  });

  it('rejects bad values naming the setting and its variable, every problem at once', () => {
    const message = configError(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', MERIDIAN_ADMIN_KEY: 'short' }));
    assert.match(message, /port \(PORT\)/);
    assert.match(message, /databaseUrl \(DATABASE_URL\)/);
    assert.match(message, /adminKey \(MERIDIAN_ADMIN_KEY\)/);
  });

  it('reads a YAML file named by MERIDIAN_CONFIG, with the environment over it, and rejects unknown settings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-config-'));
    const file = join(dir, 'meridian.yaml');
    writeFileSync(file, 'port: 4200\nlimits:\n  maxPageSize: 100\n');
    const config = loadConfig({ MERIDIAN_CONFIG: file, PORT: '4300' });
    assert.equal(config.port, 4300);
    assert.equal(config.limits.maxPageSize, 100);
    writeFileSync(file, 'prot: 4200\n');
    assert.match(configError(() => loadConfig({ MERIDIAN_CONFIG: file })), /prot is not a known field/);
  });
});
