/**
 * 信息资源分类 after the 政务信息资源目录编制指南: 类 (1 digit), 项 (2), 目 (3),
 * optional 细目. 基础 and 主题 resources have a fixed list of 项; 部门 resources
 * use any 项 their department defines.
 */
import { CLASSIFICATION_PATTERN } from '../common/identifiers.js';

interface ClassDefinition {
  readonly name: string;
  /** Names of the 项 by their 2-digit code; null when any 项 is allowed. */
  readonly items: Readonly<Record<string, string>> | null;
}

/** The three 类 and their 项. */
export const CLASSIFICATION_CLASSES: Readonly<Record<'1' | '2' | '3', ClassDefinition>> = Object.freeze({
  '1': {
    name: '基础信息资源',
    items: { '01': '人口', '02': '法人单位', '03': '自然资源和空间地理', '04': '社会信用', '05': '电子证照' },
  },
  '2': {
    name: '主题信息资源',
    items: {
      '01': '公共服务',
      '02': '健康保障',
      '03': '社会保障',
      '04': '食品药品安全',
      '05': '安全生产',
      '06': '价格监管',
      '07': '能源安全',
      '08': '信用体系',
      '09': '城乡建设',
      '10': '社区治理',
      '11': '生态环保',
      '12': '应急维稳',
    },
  },
  '3': { name: '部门信息资源', items: null },
});

const classificationRegex = new RegExp(CLASSIFICATION_PATTERN);

/**
 * What is wrong with a classification code beyond its pattern (an 项 its 类
 * does not have), or null when it is a valid code.
 */
export function classificationProblem(code: string): string | null {
  if (!classificationRegex.test(code)) return `must be 类 (1-3) + 项 (2 digits) + 目 (3 digits) + optional 细目 digits`;
  const cls = CLASSIFICATION_CLASSES[code[0] as '1' | '2' | '3'];
  const item = code.slice(1, 3);
  if (cls.items && !(item in cls.items)) {
    // Keys such as "10" are integer-like, so object order puts them first.
    const codes = Object.keys(cls.items).sort();
    return `项 ${item} does not exist in 类 ${code[0]} (${cls.name}): use ${codes[0]}-${codes[codes.length - 1]}`;
  }
  return null;
}

/**
 * The readable path of a classification code: class name, 项 name (or its
 * digits for 部门 resources), 目, and 细目 when present.
 * '101001' -> ['基础信息资源', '人口', '001'].
 */
export function classificationPath(code: string): string[] {
  const problem = classificationProblem(code);
  if (problem) throw new TypeError(`classificationPath: ${code} ${problem}`);
  const cls = CLASSIFICATION_CLASSES[code[0] as '1' | '2' | '3'];
  const item = code.slice(1, 3);
  const path = [cls.name, cls.items?.[item] ?? item, code.slice(3, 6)];
  if (code.length > 6) path.push(code.slice(6));
  return path;
}
