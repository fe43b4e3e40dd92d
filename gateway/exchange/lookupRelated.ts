/**
 * Related resources (关联资源): a nested field follows a referencing item to
 * the rows of another department's resource. All parents of one request level
 * are batched by a per-request DataLoader into one exchange per related
 * resource (one `in` read of the source), decided, masked and logged like
 * any other exchange.
 */
import DataLoader from 'dataloader';
import { meridianError } from '../../common/errors.js';
import { keyItems, MAX_IN_VALUES, type ResourceDefinition } from '../../catalog/index.js';
import type { RequestContext } from '../context.js';
import type { DataSelection } from './runDataExchange.js';
import { RAW_REFERENCES, runExchange, type ExchangeNode } from './runExchange.js';

/** The related rows of one referencing value. */
export type RelatedRows = readonly ExchangeNode[];

/**
 * The loader of `related` rows by `relatedItem` for one selection, created once
 * per request and selection: every parent asking for the same nested
 * selection at the same level joins one batch.
 */
export function relatedLoader(
  ctx: RequestContext,
  related: ResourceDefinition,
  relatedItem: string,
  selection: DataSelection,
): DataLoader<unknown, RelatedRows> {
  const key = `${related.code}|${relatedItem}|${selection.items.join(',')}|${selection.references.join(',')}`;
  let loader = ctx.loaders.related.get(key);
  if (!loader) {
    loader = new DataLoader<unknown, RelatedRows>((values) => lookUp(ctx, related, relatedItem, selection, values), {
      maxBatchSize: MAX_IN_VALUES,
    });
    ctx.loaders.related.set(key, loader);
  }
  return loader;
}

async function lookUp(
  ctx: RequestContext,
  related: ResourceDefinition,
  relatedItem: string,
  selection: DataSelection,
  values: readonly unknown[],
): Promise<RelatedRows[]> {
  const maxRows = ctx.services.config.limits.maxLookupRows;
  const { nodes } = await runExchange(
    {
      resource: related,
      operation: 'lookup',
      // The look-up values come from rows the consumer was allowed to read, not from the consumer: they are
      // not a consumer filter (so a masked key can still be followed), only the selected items are used.
      use: { selected: [...new Set([...selection.items, ...selection.references])], filtered: {}, ordered: [] },
      selected: selection.items,
      carried: [...new Set([relatedItem, ...selection.references])],
      plan: () => ({
        conditions: [{ item: relatedItem, op: 'in', value: [...values] }],
        order: keyItems(related).map((item) => ({ item: item.name, direction: 'ASC' as const })),
        after: null,
        first: maxRows,
      }),
      accept(result) {
        if (result.hasMore) {
          throw meridianError('QUERY_TOO_COMPLEX', { limit: 'related rows of one look-up', actual: `more than ${maxRows}`, max: maxRows });
        }
      },
    },
    ctx,
  );
  const byValue = new Map<unknown, ExchangeNode[]>();
  for (const node of nodes) {
    const value = node[RAW_REFERENCES]?.[relatedItem];
    const list = byValue.get(value);
    if (list) list.push(node);
    else byValue.set(value, [node]);
  }
  return values.map((value) => byValue.get(value) ?? []);
}
