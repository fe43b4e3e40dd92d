/**
 * How source values arrive from the driver, the same on a dedicated pg pool and
 * on the embedded PGlite: int8 and date as text, timestamp without time zone
 * read as UTC. toWireRow then checks each value against its item's type.
 */
import pg from 'pg';

type TextParser = (value: string) => unknown;

const parseTimestampTz = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as TextParser;

/** Parsers by type OID that differ from the drivers' defaults. */
export const sourceTypeParsers: Readonly<Record<number, TextParser>> = Object.freeze({
  // int8: kept as text so that a value beyond 2^53 is reported, not rounded.
  [pg.types.builtins.INT8]: (value: string) => value,
  // date: a calendar date never passes through a Date, so no time zone can shift it.
  [pg.types.builtins.DATE]: (value: string) => value,
  // timestamp without time zone: UTC, so the answer does not depend on the gateway host's zone.
  [pg.types.builtins.TIMESTAMP]: (value: string) => parseTimestampTz(`${value}Z`),
  // numeric: exact text (also the default of both drivers; stated so it cannot change under us).
  [pg.types.builtins.NUMERIC]: (value: string) => value,
});

/** The `types` option of a pg connection using sourceTypeParsers, without touching the global pg.types. */
export const sourcePgTypes = Object.freeze({
  getTypeParser(oid: number, format?: string): TextParser {
    const custom = sourceTypeParsers[oid];
    if (custom && format !== 'binary') return custom;
    return pg.types.getTypeParser(oid, format === 'binary' ? 'binary' : 'text') as TextParser;
  },
});
