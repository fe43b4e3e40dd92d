/**
 * Structured JSON logs (pino). Authorization headers, keys and secrets are
 * redacted wherever they appear in a logged object.
 */
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'key',
  '*.key',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'config.url',
  'config.headers',
  'databaseUrl',
  'adminKey',
  'maskSecret',
  'secrets',
  '*.secrets',
  'token',
  '*.token',
];

/** A JSON logger writing to stdout (or `destination`), with secrets redacted. */
export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  const options = { level, base: { service: 'meridian' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}

/** A logger that drops everything, for tests and tools. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
