/**
 * JSON Schema validation shared by every way in: config, catalog definitions,
 * connector configs and bindings. One ajv setup, one way to report problems.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import * as addFormatsModule from 'ajv-formats';
import { addIdentifierFormats } from './identifiers.js';
import { validationFailed, type Problem } from './errors.js';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = addFormatsModule.default as unknown as (ajv: Ajv) => Ajv;

/** A fresh ajv with every error reported, standard formats and Meridian's identifier formats. */
export function createAjv(options: { useDefaults?: boolean } = {}): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: options.useDefaults ?? false, allowUnionTypes: true });
  addFormats(ajv);
  addIdentifierFormats(ajv);
  return ajv;
}

const shared = createAjv();
const compiled = new WeakMap<object, ValidateFunction>();

/** Compiles (once per schema object) a validator on the shared ajv instance. */
export function compileSchema(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = shared.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** Validates `value` and returns every problem found, with readable paths under `root`. */
export function findProblems(schema: object, value: unknown, root = ''): Problem[] {
  const validate = compileSchema(schema);
  if (validate(value)) return [];
  return toProblems(validate.errors ?? [], root);
}

/** Throws VALIDATION_FAILED listing every problem when `value` does not match `schema`. */
export function assertValid(schema: object, value: unknown, what: string, root = ''): void {
  const problems = findProblems(schema, value, root);
  if (problems.length > 0) throw validationFailed(what, problems);
}

/** Turns ajv errors into problems: a dotted path and what was expected there. */
export function toProblems(errors: readonly ErrorObject[], root = ''): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    // `if` keywords only say "must match then schema"; the then-branch errors say why.
    if (error.keyword === 'if') continue;
    let path = joinPath(root, pointerToPath(error.instancePath));
    let message = error.message ?? 'is invalid';
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'required') {
      path = joinPath(path, String(params.missingProperty));
      message = 'is required';
    } else if (error.keyword === 'additionalProperties') {
      path = joinPath(path, String(params.additionalProperty));
      message = 'is not a known field';
    } else if (error.keyword === 'enum') {
      message = `must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
    }
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ path: path || '(root)', message });
  }
  return problems;
}

/** Joins path segments the way problems show them: `items[2].type`. */
export function joinPath(base: string, next: string | number): string {
  if (typeof next === 'number') return `${base}[${next}]`;
  if (next === '') return base;
  if (next.startsWith('[')) return `${base}${next}`;
  return base ? `${base}.${next}` : next;
}

function pointerToPath(pointer: string): string {
  if (!pointer) return '';
  let path = '';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path = /^\d+$/.test(segment) ? joinPath(path, Number(segment)) : joinPath(path, segment);
  }
  return path;
}
