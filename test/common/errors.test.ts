import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describeError, errorCodes, meridianError, validationFailed } from '../../common/errors.js';

/** Rows of the docs table: code, HTTP status and "what to do". */
function documentedRows(): { code: string; status: number; action: string }[] {
  const text = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((line) => /^\| `[A-Z_]+` \|/.test(line))
    .map((line) => {
      const cells = line.split('|').map((cell) => cell.trim());
      return { code: cells[1]!.replace(/`/g, ''), status: Number(cells[2]), action: cells[4]! };
    });
}

describe('Errors: the catalog and docs/errors.md', () => {
  it('documents every code of the catalog, and no other, in catalog order', () => {
    assert.deepEqual(documentedRows().map((row) => row.code), [...errorCodes]);
  });

  it('gives the same HTTP status and "what to do" in the docs as in the catalog', () => {
    for (const row of documentedRows()) {
      const spec = describeError(row.code as (typeof errorCodes)[number]);
      assert.equal(row.status, spec.status, `${row.code} status`);
      assert.equal(row.action, spec.action, `${row.code} action`);
    }
  });
});

describe('Errors: messages', () => {
  it('fills the template from params and carries code, action and extensions', () => {
    const error = meridianError('ITEMS_NOT_GRANTED', { resource: '101001/000001', items: ['name', 'idNumber'] }, { decisionId: 'd1' });
    assert.equal(error.message, 'Your department may not read these items of 101001/000001: name, idNumber');
    assert.equal(error.code, 'ITEMS_NOT_GRANTED');
    assert.match(error.action, /applyForAccess/);
    assert.deepEqual(error.extensions, { decisionId: 'd1' });
  });

  it('lists every validation problem in extensions.problems', () => {
    const problems = [
      { path: 'items[0].type', message: 'must be one of STRING, INTEGER' },
      { path: 'provider', message: 'is required' },
    ];
    const error = validationFailed('Resource definition', problems);
    assert.equal(error.message, 'Resource definition is invalid: 2 problem(s), listed in extensions.problems');
    assert.deepEqual(error.extensions.problems, problems);
  });
});
