/** Writing catalog files. */
import { stringify } from 'yaml';
import type { CatalogFile } from './CatalogFile.js';

/** A catalog file as JSON or YAML text (UTF-8, Chinese kept as is, ending with a newline). */
export function serializeCatalog(file: CatalogFile, format: 'json' | 'yaml'): string {
  if (format === 'json') return `${JSON.stringify(file, null, 2)}\n`;
  // Long Chinese summaries stay on one line, and equal objects are written out rather than aliased.
  return stringify(file, { lineWidth: 0, aliasDuplicateObjects: false });
}
