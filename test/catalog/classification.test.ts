import assert from 'node:assert/strict';
import { CLASSIFICATION_CLASSES, classificationPath, classificationProblem } from '../../catalog/index.js';

describe('Catalog: 信息资源分类', () => {
  it('reads a classification code as class, 项, 目 and 细目 names', () => {
    assert.deepEqual(classificationPath('101001'), ['基础信息资源', '人口', '001']);
    assert.deepEqual(classificationPath('105002'), ['基础信息资源', '电子证照', '002']);
    assert.deepEqual(classificationPath('211003'), ['主题信息资源', '生态环保', '003']);
    assert.deepEqual(classificationPath('3070010012'), ['部门信息资源', '07', '001', '0012']);
  });

  it('knows the five base resources and the twelve themes of the guide', () => {
    assert.deepEqual(Object.values(CLASSIFICATION_CLASSES['1'].items!), ['人口', '法人单位', '自然资源和空间地理', '社会信用', '电子证照']);
    assert.equal(Object.keys(CLASSIFICATION_CLASSES['2'].items!).length, 12);
    assert.equal(CLASSIFICATION_CLASSES['2'].items!['12'], '应急维稳');
  });

  it('accepts only the 项 each class has', () => {
    assert.equal(classificationProblem('105001'), null);
    assert.match(classificationProblem('100001')!, /项 00 does not exist in 类 1/);
    assert.equal(classificationProblem('212001'), null);
    assert.match(classificationProblem('213001')!, /use 01-12/);
    assert.equal(classificationProblem('399001'), null);
    assert.match(classificationProblem('401001')!, /must be 类 \(1-3\)/);
    assert.throws(() => classificationPath('106001'), TypeError);
  });
});
