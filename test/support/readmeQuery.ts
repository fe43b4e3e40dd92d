/** The GraphQL examples of the README, which tests run as a newcomer would paste them. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './processRunner.js';

/** The GraphQL block the README shows right after its `<!-- <marker>` comment. */
export function readmeQuery(marker: string): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const at = readme.indexOf(`<!-- ${marker}`);
  assert.ok(at >= 0, `README.md has a <!-- ${marker} marker`);
  const block = readme.slice(at).match(/```graphql\n([\s\S]*?)\n```/);
  assert.ok(block, 'a ```graphql block follows the marker');
  return block[1]!;
}
