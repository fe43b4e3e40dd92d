/**
 * A department's HTTP/JSON API for connector tests: a real node:http server on
 * 127.0.0.1 serving a register of persons (Chinese names, NULLs, decimals as
 * JSON strings and numbers, dates, timestamps with offsets) under a bearer
 * token. The list endpoint filters by some query parameters and pages by
 * offset/limit or page/size; the by-keys endpoint answers for a list of ID
 * numbers. Every request is recorded, and a test can switch the API to a slow,
 * failing, flaky, malformed, unauthorized or redirecting variant. Another
 * register (records, endpoints, filters) can be served the same way with
 * startRegisterApi.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { citizenIdCheckChar } from '../../common/identifiers.js';
import type { ItemType } from '../../catalog/model.js';

/** Where the API lives under its origin. */
const API_BASE_PATH = '/api/v1';

/** Names that look like injections into a URL or SQL; they must reach the API as plain values. */
export const TRICKY_NAMES: Readonly<Record<number, string>> = {
  3: "' OR 1=1 --",
  4: '../../admin?x=1#frag',
  5: '张&district=西城区',
  6: '100%_sure\\',
  7: '张%2F三/../四',
  // Beyond U+FFFF: sorts after U+FF01 by code point, before it by UTF-16 unit.
  8: '𠀀生僻',
  9: '！全角',
};

const SURNAMES = ['张', '王', '李', '刘', '陈', '杨', '赵', '黄', '周', '吴'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '强', '磊', '洋', '艳', '杰', '三丰'];
const DISTRICTS = ['东城区', '西城区', '朝阳区', null, '海淀区'];
/** Decimals as a department sends them: JSON strings and numbers, and their wire form. */
const INCOMES: readonly (readonly [string | number | null, string | null])[] = [
  ['1234.50', '1234.50'],
  [0.1, '0.1'],
  ['-3.00', '-3.00'],
  ['999999999999.99', '999999999999.99'],
  [null, null],
  ['0.10', '0.10'],
  [7, '7'],
  ['12.5', '12.5'],
  // Beyond a double's precision: equal as floats, not as decimals.
  ['90071992547409931.01', '90071992547409931.01'],
  ['90071992547409931.02', '90071992547409931.02'],
];
const SCORES = [0.1, 1.5, null, -2.25, 3, 1e-7, 1.5];
const BORN = ['1990-01-01', '2000-02-29', '1969-12-31', null, '2024-12-31', '1985-06-15', '1900-03-01'];
/** Timestamps as sent (offsets, microseconds) and their wire form (UTC, milliseconds). */
const REGISTERED: readonly (readonly [string, string] | null)[] = [
  ['2024-03-01T08:00:00.123+08:00', '2024-03-01T00:00:00.123Z'],
  ['2024-03-01T00:00:00.123456Z', '2024-03-01T00:00:00.123Z'],
  null,
  ['1999-12-31T23:59:59.999Z', '1999-12-31T23:59:59.999Z'],
  ['2024-02-29T20:15:00-05:30', '2024-03-01T01:45:00.000Z'],
  ['2024-03-01T00:00:00.124Z', '2024-03-01T00:00:00.124Z'],
];
const ACTIVE = [true, false, null];

/** Rows in the register. */
const PERSON_COUNT = 60;

function cycle<T>(values: readonly T[], index: number): T {
  return values[index % values.length]!;
}

function idNumberOf(id: number): string {
  const first17 = `110101${1970 + (id % 40)}0${1 + (id % 9)}1${id % 10}${String(id).padStart(3, '0')}`;
  return first17 + citizenIdCheckChar(first17);
}

/** One person as the API stores and serves it. */
export interface PersonRecord {
  readonly id: number;
  readonly id_no: string;
  readonly person: { readonly name: string; readonly gender: string };
  readonly district: string | null;
  readonly income: string | number | null;
  readonly score: number | null;
  readonly born: string | null;
  readonly registered_at: string | null;
  readonly active: boolean | null;
}

/** The register as served. */
const PERSON_RECORDS: readonly PersonRecord[] = Array.from({ length: PERSON_COUNT }, (_, i) => {
  const id = i + 1;
  return {
    id,
    id_no: idNumberOf(id),
    person: { name: TRICKY_NAMES[id] ?? `${cycle(SURNAMES, i)}${cycle(GIVEN, i * 7)}`, gender: id % 2 ? '男' : '女' },
    district: cycle(DISTRICTS, i),
    income: cycle(INCOMES, i)[0],
    score: cycle(SCORES, i),
    born: cycle(BORN, i),
    registered_at: cycle(REGISTERED, i)?.[0] ?? null,
    active: cycle(ACTIVE, i),
  };
});

/** The resource's items and their types. */
export const PERSON_TYPES: Readonly<Record<string, ItemType>> = {
  id: 'INTEGER',
  idNo: 'STRING',
  name: 'STRING',
  district: 'STRING',
  income: 'DECIMAL',
  score: 'FLOAT',
  born: 'DATE',
  registeredAt: 'DATETIME',
  active: 'BOOLEAN',
};

/** Where each item sits in a served row. */
export const PERSON_FIELDS: Readonly<Record<string, string>> = {
  id: '/id',
  idNo: '/id_no',
  name: '/person/name',
  district: '/district',
  income: '/income',
  score: '/score',
  born: '/born',
  registeredAt: '/registered_at',
  active: '/active',
};

/** One row in wire form, keyed by item name. */
export type PersonRow = Readonly<Record<string, unknown>>;

/** The register in wire form: what a consumer receives. */
export const PERSONS: readonly PersonRow[] = PERSON_RECORDS.map((record, i) => ({
  id: record.id,
  idNo: record.id_no,
  name: record.person.name,
  district: record.district,
  income: cycle(INCOMES, i)[1],
  score: record.score,
  born: record.born,
  registeredAt: cycle(REGISTERED, i)?.[1] ?? null,
  active: record.active,
}));

/** How the API behaves; a test switches it with use(). */
export type ApiVariant =
  | { readonly kind: 'normal' }
  /** Answers after delayMs (or never, when the client leaves first). */
  | { readonly kind: 'slow'; readonly delayMs: number }
  /** Answers every call with `status` (default 500). */
  | { readonly kind: 'failing'; readonly status?: number }
  /** Fails the first `failures` calls (HTTP 500, or a reset connection), then serves. */
  | { readonly kind: 'flaky'; readonly failures: number; readonly how: 'status' | 'reset' }
  /** A body that is not JSON, rows that are not an array, or a number for the register's wrongTypeField (id_no) at row `row` of each answer. */
  | { readonly kind: 'malformed'; readonly how: 'not-json' | 'no-array' | 'wrong-type'; readonly row?: number }
  /** Refuses every token with 401. */
  | { readonly kind: 'unauthorized' }
  /** Redirects every call to `location`. */
  | { readonly kind: 'redirect'; readonly location: string };

/** The endpoints the API offers. */
export type ApiEndpoint = 'root' | 'list' | 'byKeys' | 'unknown';

/**
 * What an API serves: its records in the API's own order, where its list and
 * by-keys endpoints are, and the filters its list endpoint applies itself.
 */
export interface ApiRegister<R extends object> {
  /** The list endpoint under API_BASE_PATH, e.g. `/persons`. */
  readonly listPath: string;
  /** The by-keys endpoint under API_BASE_PATH, e.g. `/persons/by-ids`. */
  readonly byKeysPath: string;
  /** The by-keys endpoint's parameter listing keys, comma-separated. */
  readonly byKeysParam: string;
  /** The records in the order the API serves them. */
  readonly served: readonly R[];
  /** The key the by-keys endpoint matches. */
  keyOf(record: R): string;
  /** List filters by query parameter; parameters not listed are ignored. */
  readonly filters: Readonly<Record<string, (record: R, value: string) => boolean>>;
  /** The field the wrong-type variant replaces with a number. */
  readonly wrongTypeField: string;
}

/** One request as the server received it. */
export interface ReceivedCall {
  readonly endpoint: ApiEndpoint;
  /** The raw path, before any decoding. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
}

export interface DepartmentApi {
  /** `http://127.0.0.1:<port>/api/v1`. */
  readonly baseUrl: string;
  /** `127.0.0.1:<port>`, for the allow-list. */
  readonly host: string;
  /** The token the API accepts, as `Authorization: Bearer <token>` or `x-api-key: <token>`. */
  readonly token: string;
  /** Every request received since the last reset, in order. */
  readonly received: readonly ReceivedCall[];
  /** Requests of one endpoint. */
  calls(endpoint: ApiEndpoint): ReceivedCall[];
  /** Requests whose client closed the connection before the answer was sent. */
  abandoned(): number;
  /** Switches the variant; a flaky variant counts its failures from now. */
  use(variant: ApiVariant): void;
  /** Back to normal, with no request recorded. */
  reset(): void;
  close(): Promise<void>;
}

const LIST_FILTERS: Readonly<Record<string, (record: PersonRecord, value: string) => boolean>> = {
  district: (r, v) => r.district === v,
  districts: (r, v) => r.district !== null && v.split(',').includes(r.district),
  name_prefix: (r, v) => r.person.name.startsWith(v),
  id_gt: (r, v) => r.id > Number(v),
  id_gte: (r, v) => r.id >= Number(v),
  id_lt: (r, v) => r.id < Number(v),
  id_lte: (r, v) => r.id <= Number(v),
  born_before: (r, v) => r.born !== null && r.born < v,
  income_min: (r, v) => r.income !== null && Number(r.income) >= Number(v),
  registered_after: (r, v) => r.registered_at !== null && Date.parse(r.registered_at) > Date.parse(v),
  active: (r, v) => r.active !== null && String(r.active) === v,
};

/** The register in the API's own order, unrelated to any order the gateway asks for. */
const SERVED_ORDER = [...PERSON_RECORDS].sort((a, b) => ((a.id * 37) % 61) - ((b.id * 37) % 61));

/** The register of persons: list at /persons, by ID numbers at /persons/by-ids?ids=. */
const PERSON_REGISTER: ApiRegister<PersonRecord> = Object.freeze({
  listPath: '/persons',
  byKeysPath: '/persons/by-ids',
  byKeysParam: 'ids',
  served: SERVED_ORDER,
  keyOf: (record: PersonRecord) => record.id_no,
  filters: LIST_FILTERS,
  wrongTypeField: 'id_no',
});

/** The token an API accepts unless a test names its own. */
const DEFAULT_TOKEN = 'dept-token-7f3a9c';

/** Starts the API of persons on a free port of 127.0.0.1. */
export function startDepartmentApi(token = DEFAULT_TOKEN): Promise<DepartmentApi> {
  return startRegisterApi(PERSON_REGISTER, token);
}

/** Starts an API serving `register` on a free port of 127.0.0.1, with every variant of the persons API. */
export async function startRegisterApi<R extends object>(register: ApiRegister<R>, token = DEFAULT_TOKEN): Promise<DepartmentApi> {
  let received: ReceivedCall[] = [];
  let abandoned = 0;
  let variant: ApiVariant = { kind: 'normal' };
  let failuresLeft = 0;

  const server = http.createServer((req, res) => {
    const target = req.url ?? '/';
    const at = target.indexOf('?');
    const path = at < 0 ? target : target.slice(0, at);
    const query = new URLSearchParams(at < 0 ? '' : target.slice(at + 1));
    const endpoint = endpointOf(path, register);
    received.push({ endpoint, path, query, headers: req.headers });
    res.on('close', () => {
      if (!res.writableFinished) abandoned++;
    });
    const send = (status: number, body: unknown): void => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };

    if (variant.kind === 'redirect') {
      res.writeHead(302, { location: variant.location });
      res.end();
      return;
    }
    if (variant.kind === 'failing') return send(variant.status ?? 500, { error: 'internal error with stack trace and secrets' });
    if (variant.kind === 'flaky' && failuresLeft > 0) {
      failuresLeft--;
      if (variant.how === 'reset') {
        req.socket.destroy();
        return;
      }
      return send(500, { error: 'temporarily broken' });
    }
    const credentials = req.headers.authorization === `Bearer ${token}` || req.headers['x-api-key'] === token;
    if (variant.kind === 'unauthorized' || !credentials) {
      return send(401, { error: 'token refused' });
    }
    const answer = (): void => {
      if (endpoint === 'root') return send(200, { service: 'persons', version: 1 });
      if (endpoint === 'unknown') return send(404, { error: 'no such endpoint' });
      const rows = endpoint === 'list' ? listRows(query, register) : byKeysRows(query, register);
      send(200, shapeBody(rows, variant, register.wrongTypeField));
    };
    if (variant.kind === 'slow') {
      const timer = setTimeout(answer, variant.delayMs);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}${API_BASE_PATH}`,
    host: `127.0.0.1:${port}`,
    token,
    get received() {
      return received;
    },
    calls: (endpoint) => received.filter((call) => call.endpoint === endpoint),
    abandoned: () => abandoned,
    use(next) {
      variant = next;
      failuresLeft = next.kind === 'flaky' ? next.failures : 0;
    },
    reset() {
      received = [];
      abandoned = 0;
      variant = { kind: 'normal' };
      failuresLeft = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function endpointOf<R extends object>(path: string, register: ApiRegister<R>): ApiEndpoint {
  if (path === API_BASE_PATH || path === `${API_BASE_PATH}/`) return 'root';
  if (path === `${API_BASE_PATH}${register.listPath}`) return 'list';
  if (path === `${API_BASE_PATH}${register.byKeysPath}`) return 'byKeys';
  return 'unknown';
}

/** The list endpoint: the filters it knows, then offset/limit or page/size paging (1-based pages). */
function listRows<R extends object>(query: URLSearchParams, register: ApiRegister<R>): R[] {
  const { filters } = register;
  let rows = register.served.filter((record) =>
    [...query].every(([name, value]) => !Object.hasOwn(filters, name) || filters[name]!(record, value)),
  );
  if (query.has('limit')) {
    const offset = Number(query.get('offset') ?? 0);
    rows = rows.slice(offset, offset + Number(query.get('limit')));
  } else if (query.has('size')) {
    const size = Number(query.get('size'));
    const page = Number(query.get('page') ?? 1);
    rows = rows.slice((page - 1) * size, page * size);
  }
  return rows;
}

/** The by-keys endpoint: the records of the keys listed in the register's key parameter. */
function byKeysRows<R extends object>(query: URLSearchParams, register: ApiRegister<R>): R[] {
  const wanted = new Set((query.get(register.byKeysParam) ?? '').split(','));
  return register.served.filter((record) => wanted.has(register.keyOf(record)));
}

function shapeBody(rows: readonly object[], variant: ApiVariant, wrongTypeField: string): unknown {
  if (variant.kind !== 'malformed') return { data: { items: rows, total: rows.length } };
  switch (variant.how) {
    case 'not-json':
      return '<html><body>Service temporarily replaced by a portal page</body></html>';
    case 'no-array':
      return { data: { items: { count: rows.length } } };
    case 'wrong-type': {
      const at = variant.row ?? 0;
      return { data: { items: rows.map((row, index) => (index === at ? { ...row, [wrongTypeField]: 110101199 } : row)) } };
    }
  }
}
