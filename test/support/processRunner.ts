/**
 * Real child processes for end-to-end tests: spawned without a shell, their
 * output collected, and killed (with their whole process group) by the
 * `after` hooks or, at the latest, when the test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, where `npm start` and the CLI run. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** How a process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A finished process and what it wrote. */
export interface ProcessResult extends ProcessExit {
  readonly stdout: string;
  readonly stderr: string;
}

/** A spawned process whose output is collected as it runs. */
export interface RunningProcess {
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout; rejects when the process exits first or the time runs out. */
  waitForStdout(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Resolves when the process itself has exited (never rejects); a grandchild may still hold its output open. */
  readonly exited: Promise<ProcessExit>;
  /** Resolves once the process has exited and its stdout and stderr are closed: all its output has been read. */
  readonly closed: Promise<ProcessExit>;
  hasExited(): boolean;
  /** Sends `signal` to the process itself (not its group), as a supervisor would. */
  signal(signal: NodeJS.Signals): void;
  /** Kills the process and its group with SIGKILL unless all have exited; for `after` hooks. */
  kill(): Promise<void>;
}

export interface SpawnOptions {
  /** The complete environment of the child (see childEnv). */
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** Process groups still alive, killed when the test process exits however it exits. */
const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
});

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

/** Gateway settings a developer may have exported; a child must only see the ones its test gives. */
const GATEWAY_VARIABLES = /^(MERIDIAN_.*|DATABASE_URL|PORT|HOST)$/;

/** The test process's environment without gateway settings, plus `extra`. */
export function childEnv(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!GATEWAY_VARIABLES.test(name)) env[name] = value;
  return { ...env, ...extra };
}

/**
 * Spawns `command` with `args` (no shell) in its own process group, so that
 * grandchildren (npm's shell, tsx's node) can be killed with it.
 */
export function startProcess(command: string, args: readonly string[], options: SpawnOptions): RunningProcess {
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd ?? repoRoot,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  liveGroups.add(pid);
  let out = '';
  let err = '';
  let exit: ProcessExit | null = null;
  const watchers = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (const watch of watchers) watch();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const ended = (code: number | null, signal: NodeJS.Signals | null): ProcessExit => {
    exit ??= { code, signal };
    for (const watch of watchers) watch();
    return exit;
  };
  const exited = new Promise<ProcessExit>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit(ended(code, signal)));
    child.once('error', (error) => {
      err += `\n${error.message}`;
      resolveExit(ended(null, null));
    });
  });
  const closed = new Promise<ProcessExit>((resolveClose) => {
    child.once('close', (code, signal) => resolveClose(ended(code, signal)));
    child.once('error', () => resolveClose(ended(null, null)));
  });

  return {
    pid,
    stdout: () => out,
    stderr: () => err,
    exited,
    closed,
    hasExited: () => exit !== null,
    waitForStdout(pattern, timeoutMs) {
      return new Promise((resolveMatch, reject) => {
        const timer = setTimeout(() => finish(new Error(`no ${pattern} in stdout within ${timeoutMs} ms`)), timeoutMs);
        const check = () => {
          const match = out.match(pattern);
          if (match) finish(null, match);
          else if (exit) finish(new Error(`exited (${JSON.stringify(exit)}) before ${pattern} appeared`));
        };
        const finish = (error: Error | null, match?: RegExpMatchArray) => {
          clearTimeout(timer);
          watchers.delete(check);
          if (error) reject(new Error(`${error.message}\n--- stdout\n${out}\n--- stderr\n${err}`));
          else resolveMatch(match!);
        };
        watchers.add(check);
        check();
      });
    },
    signal(signal) {
      if (exit === null) child.kill(signal);
    },
    async kill() {
      // The group may outlive its leader (an orphaned grandchild), so it is killed even after the leader exited.
      killGroup(pid, 'SIGKILL');
      liveGroups.delete(pid);
      await closed;
    },
  };
}

/** Sends `signal` to the process and waits up to `timeoutMs` for it to exit: how it exited, or null while it still runs. */
export async function exitAfterSignal(running: RunningProcess, signal: NodeJS.Signals, timeoutMs: number): Promise<ProcessExit | null> {
  running.signal(signal);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolveLate) => {
    timer = setTimeout(() => resolveLate(null), timeoutMs);
  });
  const exit = await Promise.race([running.exited, late]);
  clearTimeout(timer);
  return exit;
}

/** Runs `command` to completion; kills it and fails when it takes longer than `timeoutMs`. */
export async function runProcess(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { readonly timeoutMs: number },
): Promise<ProcessResult> {
  const running = startProcess(command, args, options);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout('timeout'), options.timeoutMs);
  });
  const outcome = await Promise.race([running.closed, timedOut]);
  clearTimeout(timer);
  await running.kill();
  if (outcome === 'timeout') {
    throw new Error(`${command} ${args.join(' ')} took more than ${options.timeoutMs} ms\n${running.stdout()}\n${running.stderr()}`);
  }
  return { ...outcome, stdout: running.stdout(), stderr: running.stderr() };
}

/** Runs the `meridian` CLI from the sources, as `node --import tsx cli/meridian.ts <args>` in the repository root. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<ProcessResult> {
  return runProcess(process.execPath, ['--import', 'tsx', 'cli/meridian.ts', ...args], { env, timeoutMs });
}

/** A TCP port that was free a moment ago (listening on port 0 and closing again). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** A new empty folder under the system's temporary folder, and a way to remove it. */
export function temporaryFolder(prefix: string): { readonly path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
