import assert from 'node:assert/strict';
import { isMeridianError, type ErrorCode, type MeridianError } from '../../common/errors.js';

/** Awaits `promise`, asserts that it rejects with a catalog error of `code`, and returns that error. */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<MeridianError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isMeridianError(error), `expected a catalog error, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}`);
}
