// Copies the files the built gateway reads at run time (SDL) next to the compiled code.
import { cpSync, mkdirSync, readdirSync } from 'node:fs';

const assets = [{ from: 'gateway/schema', to: 'dist/gateway/schema', suffix: '.graphql' }];
for (const { from, to, suffix } of assets) {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) if (name.endsWith(suffix)) cpSync(`${from}/${name}`, `${to}/${name}`);
}
