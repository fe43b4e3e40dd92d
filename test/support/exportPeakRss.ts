/**
 * Run as a child process by test/ledger/exportMemory.test.ts: exports a window
 * of the ledger of the database at argv[2] into a counting sink and prints the
 * record count, the bytes written and this process's peak RSS, as JSON.
 */
import { readFileSync } from 'node:fs';
import { openDatabase } from '../../db/index.js';
import { exportLedger } from '../../ledger/index.js';

const [url, from, to, format] = process.argv.slice(2);
const db = await openDatabase({ url: url!, poolMax: 2 });
let bytes = 0;
const trailer = await exportLedger(db.knex, { from: new Date(from!), to: new Date(to!), format: format === 'csv' ? 'csv' : 'jsonl' }, async (chunk) => {
  bytes += Buffer.byteLength(chunk);
});
await db.close();
process.stdout.write(`${JSON.stringify({ records: trailer.records, bytes, maxRssMb: peakRssMb() })}\n`);

/**
 * This process's peak RSS. On Linux, VmHWM of /proc/self/status: getrusage's maxRSS survives exec, so a child
 * forked from a large test runner would report the runner's size rather than its own.
 */
function peakRssMb(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) / 1024;
  } catch {
    // not Linux: fall through
  }
  return process.resourceUsage().maxRSS / 1024;
}
