/** Reading catalog files: JSON or YAML text into a value for importCatalog to validate. */
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { validationFailed, type MeridianError } from '../common/errors.js';

/**
 * Parses catalog file text by its extension (.json, .yaml, .yml), else as
 * JSON and then as YAML. A syntax error is VALIDATION_FAILED naming the line.
 */
export function parseCatalogText(text: string, fileName: string): unknown {
  const source = text.replace(/^\uFEFF/, '');
  const extension = extname(fileName).toLowerCase();
  if (extension === '.json') return parseJson(source, fileName);
  if (extension === '.yaml' || extension === '.yml') return parseYaml(source, fileName);
  try {
    return parseJson(source, fileName);
  } catch (jsonError) {
    try {
      return parseYaml(source, fileName);
    } catch (yamlError) {
      // Text that opens like JSON was meant as JSON: its error says more than YAML's.
      throw /^\s*[[{]/.test(source) ? jsonError : yamlError;
    }
  }
}

function parseJson(text: string, fileName: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message);
    const offset = position ? Number(position[1]) : text.length;
    const { line, column } = lineAndColumn(text, offset);
    throw syntaxError(fileName, line, column, `is not valid JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}`);
  }
}

function parseYaml(text: string, fileName: string): unknown {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const [first] = document.errors;
  if (first) {
    const { line, col } = first.linePos?.[0] ?? { line: 1, col: 1 };
    throw syntaxError(fileName, line, col, `is not valid YAML: ${first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  return document.toJS({ maxAliasCount: 100 }) as unknown;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

function syntaxError(fileName: string, line: number, column: number, message: string): MeridianError {
  return validationFailed(`Catalog file ${fileName}`, [{ path: `${fileName}:${line}:${column}`, message: `line ${line} ${message}` }]);
}
