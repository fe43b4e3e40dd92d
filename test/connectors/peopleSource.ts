/**
 * A department's source for connector tests: a schema `dept_src` with a
 * `people` table of every column type the POSTGRES connector reads (with
 * NULLs), its rows in wire form for expectations, and hand-written resources.
 */
import type { Knex } from 'knex';
import type { ItemType, ResourceDefinition, ResourceItem } from '../../catalog/model.js';
import { silentLogger, type Logger } from '../../common/logger.js';
import { loadConfig } from '../../common/config.js';
import type { ConnectorContext, OrderTerm } from '../../connectors/Connector.js';
import type { TestDatabase } from '../support/databases.js';

export const SOURCE_SCHEMA = 'dept_src';

/** Names with SQL and LIKE metacharacters, matched literally or not at all. */
export const TRICKY_NAMES: Readonly<Record<number, string>> = {
  3: "' OR 1=1 --",
  4: '"; DROP TABLE dept_src.people; --',
  5: '100%_sure\\',
  6: 'abc_def',
  7: 'abcXdef',
  8: '100 percent',
};

const CODES = ['A', 'B', 'A', null, 'C', 'B', null, 'A', 'D', 'C', 'A', null, 'B', 'E', 'A', 'C', null, 'D', 'B', 'A', 'E', null, 'C', 'A'];
const SCORES = [0.1, 1.5, null, -2.25, 1.5, 0.1, 3, null, 1.5, -2.25, 1e-7, 0.1];
const BIGS = [9007199254740991, -5, null, 0, 42, -9007199254740991, 42];
const AMOUNTS = ['1234.50', '0.10', '-3.00', '999999999999.99', null, '0.10', '7.00'];
const BORN = ['1990-01-01', '2000-02-29', '1969-12-31', null, '2024-12-31', '1990-01-01', '1900-03-01'];
const ACTIVE = [true, false, null];
/** timestamptz as PostgreSQL text, and the instant in wire form (milliseconds, truncated). */
const SEEN: readonly (readonly [string, string] | null)[] = [
  ['2024-03-01 08:00:00.123456+08', '2024-03-01T00:00:00.123Z'],
  ['2024-03-01 00:00:00.123001+00', '2024-03-01T00:00:00.123Z'],
  ['2024-03-01 08:00:00.123999+08', '2024-03-01T00:00:00.123Z'],
  null,
  ['1999-12-31 23:59:59.999999+00', '1999-12-31T23:59:59.999Z'],
  ['2024-02-29 20:15:00-05:30', '2024-03-01T01:45:00.000Z'],
];
/** timestamp without time zone as text, read as UTC. */
const LOGGED: readonly (readonly [string, string] | null)[] = [
  ['2024-01-31 23:30:00', '2024-01-31T23:30:00.000Z'],
  ['2000-01-01 00:00:00.5', '2000-01-01T00:00:00.500Z'],
  null,
];

/** One source row in wire form, keyed by item name. */
export type WireRow = Record<string, unknown>;

function cycle<T>(values: readonly T[], index: number): T {
  return values[index % values.length]!;
}

/** The 24 rows of dept_src.people in wire form (what a consumer receives). */
export const PEOPLE: readonly WireRow[] = Array.from({ length: 24 }, (_, i) => {
  const id = i + 1;
  const photo = i % 4 === 0 ? null : Buffer.from([id, 0, 255, (id * 3) % 256]);
  return {
    id,
    name: TRICKY_NAMES[id] ?? `人员${id}`,
    code: CODES[i]!,
    big: cycle(BIGS, i),
    amount: cycle(AMOUNTS, i),
    score: cycle(SCORES, i),
    born: cycle(BORN, i),
    seenAt: cycle(SEEN, i)?.[1] ?? null,
    loggedAt: cycle(LOGGED, i)?.[1] ?? null,
    active: cycle(ACTIVE, i),
    photo: photo ? photo.toString('base64') : null,
    note: i % 3 === 0 ? null : `备注 ${id}`,
  };
});

const PEOPLE_COLUMNS: Readonly<Record<string, string>> = {
  id: 'id',
  name: 'full_name',
  code: 'code',
  big: 'big',
  amount: 'amount',
  score: 'score',
  born: 'born',
  seenAt: 'seen_at',
  loggedAt: 'logged_at',
  active: 'active',
  photo: 'photo',
  note: 'note',
};

const PEOPLE_TYPES: Readonly<Record<string, ItemType>> = {
  id: 'INTEGER',
  name: 'STRING',
  code: 'STRING',
  big: 'INTEGER',
  amount: 'DECIMAL',
  score: 'FLOAT',
  born: 'DATE',
  seenAt: 'DATETIME',
  loggedAt: 'DATETIME',
  active: 'BOOLEAN',
  photo: 'BINARY',
  note: 'TEXT',
};

/** Creates dept_src with its tables, views and functions, and fills people. */
export async function createPeopleSource(knex: Knex): Promise<void> {
  await knex.schema.createSchema(SOURCE_SCHEMA);
  await knex.raw(`
    create table dept_src.people (
      id int4 primary key,
      full_name text not null,
      code varchar(8),
      big int8,
      amount numeric(14,2),
      score float8,
      born date,
      seen_at timestamptz,
      logged_at timestamp,
      active boolean,
      photo bytea,
      note text
    )`);
  await knex.withSchema(SOURCE_SCHEMA).table('people').insert(
    PEOPLE.map((row, i) => ({
      id: row.id,
      full_name: row.name,
      code: row.code,
      big: row.big,
      amount: row.amount,
      score: row.score,
      born: row.born,
      seen_at: cycle(SEEN, i)?.[0] ?? null,
      logged_at: cycle(LOGGED, i)?.[0] ?? null,
      active: row.active,
      photo: row.photo === null ? null : Buffer.from(row.photo as string, 'base64'),
      note: row.note,
    })),
  );
  await knex.raw('create table dept_src.overflow (id int4 primary key, big int8)');
  await knex.raw('insert into dept_src.overflow values (1, 9007199254740993)');
  await knex.raw('create table dept_src.audit_trail (at timestamptz not null)');
  // A source whose read would write: the connector's read-only session must stop it.
  await knex.raw(`
    create function dept_src.touch() returns setof dept_src.people language plpgsql as $$
    begin
      insert into dept_src.audit_trail values (now());
      return query select * from dept_src.people;
    end $$`);
  await knex.raw('create view dept_src.people_touching as select * from dept_src.touch()');
  await knex.raw(`
    create view dept_src.session_facts as
    select current_setting('transaction_read_only') as read_only,
           current_setting('statement_timeout') as statement_timeout`);
  await knex.raw('create view dept_src.slow_people as select p.* from dept_src.people p, pg_sleep(1)');
}

/** A normalised item, filterable, the key when named id. */
export function itemOf(name: string, type: ItemType): ResourceItem {
  return {
    name,
    label: name,
    type,
    length: null,
    shareType: 'UNCONDITIONAL',
    sensitivity: 'PUBLIC',
    mask: { kind: 'NONE' },
    filterable: type !== 'BINARY',
    key: name === 'id',
    references: null,
    description: null,
  };
}

/** A published INTERFACE resource read through connector `src` with `binding`. */
export function resourceOf(
  code: string,
  types: Readonly<Record<string, ItemType>>,
  binding: Readonly<Record<string, unknown>>,
): ResourceDefinition {
  return {
    code,
    version: 1,
    status: 'PUBLISHED',
    apiName: 'people',
    name: '人员信息',
    summary: '测试用人员信息',
    classification: '101001',
    provider: '11100000000000000X',
    format: 'DATABASE',
    items: Object.entries(types).map(([name, type]) => itemOf(name, type)),
    shareType: 'UNCONDITIONAL',
    shareCondition: null,
    shareMethod: 'INTERFACE',
    openToPublic: false,
    openCondition: null,
    updateCycle: 'DAILY',
    grade: 'GENERAL',
    relatedResources: [],
    source: { connector: 'src', binding },
    createdAt: '2024-01-01T00:00:00.000Z',
    publishedAt: '2024-01-02T00:00:00.000Z',
    deprecatedAt: null,
    deprecationReason: null,
  };
}

/** The people resource: every item, column names unlike item names. */
export const peopleResource = resourceOf('101001/000001', PEOPLE_TYPES, { table: 'people', columns: PEOPLE_COLUMNS });

/** Every item of peopleResource. */
export const PEOPLE_ITEMS: readonly string[] = Object.keys(PEOPLE_TYPES);

/** The gateway context of a connector in the test database: a dedicated pool on PostgreSQL, the embedded knex on PGlite. */
export function contextFor(test: TestDatabase, logger: Logger = silentLogger()): ConnectorContext {
  return {
    gatewayDatabase: test.db.knex,
    gatewayDatabaseUrl: test.url,
    settings: loadConfig({}, { 'connectors.statementTimeoutMs': 5000, 'connectors.maxConnections': 4 }).connectors,
    logger,
    secret: () => undefined,
  };
}

/** Sorts wire rows the way PostgreSQL orders them: NULLs last ascending, first descending. */
export function sortRows(rows: readonly WireRow[], order: readonly OrderTerm[]): WireRow[] {
  return [...rows].sort((a, b) => {
    for (const term of order) {
      const x = a[term.item] as number | string | boolean | null;
      const y = b[term.item] as number | string | boolean | null;
      if (x === y) continue;
      const ascending = x === null ? 1 : y === null ? -1 : x < y ? -1 : 1;
      return term.direction === 'ASC' ? ascending : -ascending;
    }
    return 0;
  });
}
