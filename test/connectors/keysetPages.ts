import assert from 'node:assert/strict';
import type { Connector, FetchOptions, FetchRequest, Position } from '../../connectors/Connector.js';

/**
 * Reads every page of `request` with each result's end as the next after,
 * checking that a page holds at most `first` rows and ends at the keyset of
 * its last row, and that paging ends within `maxPages`; the rows of every
 * page, in the order read.
 */
export async function keysetPages(
  connector: Connector,
  request: FetchRequest,
  options: FetchOptions,
  maxPages: number,
): Promise<Readonly<Record<string, unknown>>[]> {
  const seen: Readonly<Record<string, unknown>>[] = [];
  let after: Position | null = null;
  for (let pages = 0; ; pages++) {
    assert.ok(pages <= maxPages, 'paging does not end');
    const [page] = await connector.fetch([{ ...request, after }], options);
    assert.ok(page!.rows.length <= request.first);
    seen.push(...page!.rows);
    if (!page!.hasMore) return seen;
    const last = page!.rows[page!.rows.length - 1]!;
    after = page!.end;
    assert.deepEqual(after, { kind: 'keyset', values: request.order.map((term) => last[term.item]) }, 'end is the keyset of the last row');
  }
}
