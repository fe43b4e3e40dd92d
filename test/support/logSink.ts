/**
 * A logger whose JSON lines a test can read back: what an operator's log
 * collector would receive, to check what is logged and that no secret or
 * consumer value is.
 */
import { Writable } from 'node:stream';
import type { LogLevel } from '../../common/config.js';
import { createLogger, type Logger } from '../../common/logger.js';

export interface LogSink {
  /** Logs at `level` and above into the sink, with the gateway's redaction. */
  readonly logger: Logger;
  /** Everything logged so far, as written. */
  text(): string;
  /** Each line logged so far, parsed. */
  records(): Record<string, unknown>[];
}

/** A sink collecting the JSON lines of a logger at `level`. */
export function logSink(level: LogLevel = 'trace'): LogSink {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const text = (): string => chunks.join('');
  return {
    logger: createLogger(level, stream),
    text,
    records: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
