/**
 * Every error a client sees carries `extensions.code` from the one catalog
 * (common/errors.ts) and `extensions.action`. Unknown errors become INTERNAL
 * with an errorId that the log holds; no stack, driver message or secret leaves.
 */
import { randomUUID } from 'node:crypto';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { describeError, errorCodes, isMeridianError, type ErrorCode } from '../common/errors.js';
import type { Logger } from '../common/logger.js';

/** Apollo's own codes, mapped onto the catalog. */
const APOLLO_CODES: Readonly<Record<string, ErrorCode>> = {
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  BAD_REQUEST: 'BAD_USER_INPUT',
  OPERATION_RESOLUTION_FAILURE: 'BAD_USER_INPUT',
  PERSISTED_QUERY_NOT_FOUND: 'BAD_USER_INPUT',
  PERSISTED_QUERY_NOT_SUPPORTED: 'BAD_USER_INPUT',
};

/** Builds Apollo's formatError for this gateway. */
export function createFormatError(logger: Logger): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => {
    const original = unwrapResolverError(error);
    if (isMeridianError(original)) {
      return {
        message: original.message,
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code: original.code, action: original.action, ...original.extensions },
      };
    }
    const apolloCode = typeof formatted.extensions?.code === 'string' ? APOLLO_CODES[formatted.extensions.code] : undefined;
    const ownCode = formatted.extensions?.code as ErrorCode | undefined;
    const code = apolloCode ?? (ownCode && errorCodes.includes(ownCode) && ownCode !== 'INTERNAL' ? ownCode : undefined);
    if (code) {
      const { http: _http, stacktrace: _stack, ...rest } = (formatted.extensions ?? {}) as Record<string, unknown>;
      return { ...formatted, extensions: { ...rest, code, action: describeError(code).action } };
    }
    const errorId = randomUUID();
    logger.error({ errorId, err: original instanceof Error ? { message: original.message, stack: original.stack } : String(original) }, 'internal error');
    return {
      message: `Internal error ${errorId}`,
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: 'INTERNAL', action: describeError('INTERNAL').action, errorId },
    };
  };
}
