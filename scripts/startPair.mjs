#!/usr/bin/env node
/**
 * `npm run start:pair`: two demo gateways, a province and a city that reads
 * from it. The province starts first (PROVINCE_PORT, default 4001; data in
 * <MERIDIAN_DATA_DIR>/province, default ./data/province); once it is ready,
 * the GATEWAY key it issued to the city's exchange operator is read from its
 * demo-keys.json and handed to the city (PORT, default 4000; data in
 * <MERIDIAN_DATA_DIR>/city) in the city's environment only. Each gateway's
 * output is prefixed with [province] or [city]. SIGINT and SIGTERM go to both;
 * when one gateway stops on its own, the other is stopped too. Exits once both
 * have exited: 0 when both exited cleanly, 1 otherwise.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The province's first start creates its database and loads its demo; a small machine needs a while. */
const READY_TIMEOUT_MS = 300_000;
const POLL_MS = 250;
const BANNER = 'Meridian gateway ready';

const children = new Set();
let stopping = false;
let failed = false;

/** A line of this script's own, prefixed like the gateways' lines. */
function say(message) {
  process.stderr.write(`[pair] ${message}\n`);
}

function portFrom(name, fallback) {
  const text = process.env[name] || String(fallback);
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    say(`${name} must be a port number from 1 to 65535, got ${text}`);
    process.exit(1);
  }
  return port;
}

/** Copies `stream` to `out` line by line, each line prefixed with `[name]`. */
function prefixLines(stream, out, name) {
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
    out.write(line === '' ? `[${name}]\n` : `[${name}] ${line}\n`);
  });
}

/** Starts `node --import tsx cli/meridian.ts serve` as the gateway `name` with `env`. */
function startGateway(name, env) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/meridian.ts', 'serve'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  prefixLines(child.stdout, process.stdout, name);
  prefixLines(child.stderr, process.stderr, name);
  // 'close', not 'exit': by then every line the gateway wrote has been passed on.
  child.once('close', (code, signal) => {
    children.delete(child);
    const clean = code === 0;
    if (!clean) failed = true;
    if (!stopping) {
      say(`the ${name} gateway exited (${signal ?? `code ${code}`}); stopping the other`);
      failed = true;
      stopAll('SIGTERM');
    }
    if (children.size === 0) process.exit(failed ? 1 : 0);
  });
  child.once('error', (error) => {
    say(`the ${name} gateway could not be started: ${error.message}`);
  });
  return child;
}

function stopAll(signal) {
  stopping = true;
  for (const child of children) child.kill(signal);
}

/** Resolves once `child` has printed its banner and answers /health/ready at `port`; false when it exits or stopping begins first. */
async function ready(child, port) {
  let bannerSeen = false;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line === BANNER) bannerSeen = true;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (stopping || !children.has(child)) return false;
    if (bannerSeen && (await answersReady(port))) return true;
    await new Promise((done) => setTimeout(done, POLL_MS));
  }
  say(`the province gateway was not ready within ${READY_TIMEOUT_MS / 1000} s`);
  return false;
}

async function answersReady(port) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** The GATEWAY key the province demo issued (to the city's exchange operator), from its keys file. */
function gatewayKey(provinceDir) {
  const path = join(provinceDir, 'demo-keys.json');
  let keys;
  try {
    keys = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return { problem: `${path} cannot be read: the province demo keeps its keys there` };
  }
  const found = Array.isArray(keys) ? keys.find((key) => key && key.role === 'GATEWAY' && typeof key.key === 'string') : undefined;
  if (!found) return { problem: `${path} holds no GATEWAY key: was ${provinceDir} created by another demo? Remove it to start afresh` };
  return { key: found.key };
}

/** The environment of a gateway: ours, with `settings` over it. */
function gatewayEnv(settings) {
  const env = { ...process.env, ...settings };
  // Each gateway keeps its own embedded database: one shared server would mix the two demos.
  delete env.DATABASE_URL;
  return env;
}

const cityPort = portFrom('PORT', 4000);
const provincePort = portFrom('PROVINCE_PORT', 4001);
if (cityPort === provincePort) {
  say(`PORT and PROVINCE_PORT must differ (both are ${cityPort})`);
  process.exit(1);
}
const dataDir = resolve(process.env.MERIDIAN_DATA_DIR || join(root, 'data'));
const provinceDir = join(dataDir, 'province');
const cityDir = join(dataDir, 'city');
if (process.env.DATABASE_URL) say('DATABASE_URL is ignored: each gateway of the pair keeps its own embedded database');

process.on('SIGINT', () => stopAll('SIGINT'));
process.on('SIGTERM', () => stopAll('SIGTERM'));

const province = startGateway(
  'province',
  gatewayEnv({ PORT: String(provincePort), MERIDIAN_DATA_DIR: provinceDir, MERIDIAN_DEMO_PROFILE: 'province', MERIDIAN_DEMO_UPSTREAM: '' }),
);
if (await ready(province, provincePort)) {
  const found = gatewayKey(provinceDir);
  if (found.problem) {
    say(found.problem);
    failed = true;
    stopAll('SIGTERM');
  } else {
    const upstream = `127.0.0.1:${provincePort}`;
    const allowList = [process.env.MERIDIAN_HTTP_ALLOW_LIST, upstream].filter(Boolean).join(',');
    startGateway(
      'city',
      gatewayEnv({
        PORT: String(cityPort),
        MERIDIAN_DATA_DIR: cityDir,
        MERIDIAN_DEMO_PROFILE: 'city',
        MERIDIAN_DEMO_UPSTREAM: `http://${upstream}/graphql`,
        MERIDIAN_HTTP_ALLOW_LIST: allowList,
        MERIDIAN_SECRET_DEMO_UPSTREAM_KEY: found.key,
      }),
    );
  }
} else if (!stopping) {
  failed = true;
  stopAll('SIGTERM');
}
