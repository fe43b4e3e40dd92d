import assert from 'node:assert/strict';
import { citizenIdCheckChar, creditCodeCheckChar, isCitizenId, isCreditCode } from '../../common/identifiers.js';

describe('Identifiers: 公民身份号码 (GB 11643)', () => {
  it('computes the published example check character', () => {
    // GB 11643-1999 appendix example: 11010519491231002X.
    assert.equal(citizenIdCheckChar('11010519491231002'), 'X');
    assert.equal(isCitizenId('11010519491231002X'), true);
  });
  it('rejects a wrong check character, a bad birth date and a wrong length', () => {
    assert.equal(isCitizenId('110105194912310021'), false);
    assert.equal(isCitizenId('11010519490231002X'.slice(0, 17) + citizenIdCheckChar('11010519490231002')), false);
    assert.equal(isCitizenId('1101051949123100'), false);
  });
});

describe('Identifiers: 统一社会信用代码 (GB 32100)', () => {
  it('accepts a real code and computes its check character', () => {
    // 91350100M000100Y43 is the code of the GB 32100 standard's worked example.
    assert.equal(creditCodeCheckChar('91350100M000100Y4'), '3');
    assert.equal(isCreditCode('91350100M000100Y43'), true);
  });
  it('rejects a wrong check character and letters outside the charset', () => {
    assert.equal(isCreditCode('91350100M000100Y44'), false);
    assert.equal(isCreditCode('91350100M000100I43'), false);
  });
});
