/**
 * The bench's exchange: a generated catalog of a mid-sized city (40 provider
 * departments, 60 consumer departments, 300 information resources) and the
 * (consumer, resource) pairs that actually exchange, as granted applications
 * would allow. Seeded, so every run measures the same shapes.
 */
import type { CatalogFile, DepartmentInput, ResourceInput } from '../catalog/index.js';
import type { ShareMethod, ShareType } from '../catalog/model.js';
import { seededRandom, type Random } from '../demo/seededRandom.js';
import { syntheticCreditCode } from '../demo/syntheticCreditCode.js';

export const PROVIDER_DEPARTMENTS = 40;
export const CONSUMER_DEPARTMENTS = 60;
export const RESOURCES = 300;
/** Resources each consumer department has been granted and calls. */
const RESOURCES_PER_CONSUMER = 25;
const CITY_REGION = '330100';

/**
 * How unevenly calls fall on the pairs: the pair of a call is
 * floor(pairs * u^TRAFFIC_SKEW) for uniform u, so the first pairs carry most
 * calls. The exponent makes the top 20% of pairs carry 80% of calls (the
 * Pareto rule: 0.2^(1/k) = 0.8), as a few heavily used integrations
 * (identity checks, business registrations) dominate a real exchange.
 */
export const TRAFFIC_SKEW = Math.log(0.2) / Math.log(0.8);

/** Index of the pair of a call, for `u` uniform in [0, 1); the SQL generator computes the same. */
export function skewedPairIndex(u: number, pairs: number): number {
  return Math.floor(pairs * u ** TRAFFIC_SKEW);
}

/** Departments of a county exchange whose gateway calls on their behalf: recorded as onBehalfOf, not registered here. */
export const UPSTREAM_CONSUMERS: readonly string[] = ['00400001', '00400002', '00400003'].map((body) =>
  syntheticCreditCode('11330106', body),
);
/** Share of calls that come through the county exchange's gateway. */
export const VIA_UPSTREAM_SHARE = 0.03;

/** One consumer department calling one resource: the unit traffic is spread over. */
export interface ExchangePair {
  readonly provider: string;
  readonly consumer: string;
  readonly consumerApp: string;
  readonly resource: string;
  readonly items: readonly string[];
  readonly maskedItems: readonly string[];
  readonly grantId: string | null;
}

export interface BenchCatalog {
  readonly file: CatalogFile;
  /** Shuffled: the first pairs get most of the traffic (TRAFFIC_SKEW), and they fall on any department. */
  readonly pairs: readonly ExchangePair[];
}

/** The generated catalog file and the pairs that exchange. */
export function buildBenchCatalog(seed = 20240101): BenchCatalog {
  const random = seededRandom(seed);
  const providers = departments('002', PROVIDER_DEPARTMENTS, '局');
  const consumers = departments('003', CONSUMER_DEPARTMENTS, '中心');
  const resources = Array.from({ length: RESOURCES }, (_, i) => resource(i, providers[i % providers.length]!.code, random));
  const exchangeable = resources.filter((r) => r.shareMethod === 'INTERFACE' && r.shareType !== 'NOT_SHARED');
  const pairs = consumers.flatMap((consumer, c) =>
    random
      .shuffle(exchangeable)
      .slice(0, RESOURCES_PER_CONSUMER)
      .map(
        (r): ExchangePair => ({
          provider: r.provider,
          consumer: consumer.code,
          consumerApp: `app-${String(c).padStart(2, '0')}`,
          resource: r.code!,
          items: r.items.map((item) => item.name),
          maskedItems: ['idNumber'],
          grantId: r.shareType === 'CONDITIONAL' ? `grant-${c}-${r.code}` : null,
        }),
      ),
  );
  return {
    file: {
      departments: [...providers, ...consumers],
      connectors: providers.map((p, i) => ({ id: connectorId(i), kind: 'POSTGRES', department: p.code, config: { schema: `bench_p${i}` } })),
      resources,
    },
    pairs: random.shuffle(pairs),
  };
}

/** `count` municipal departments with valid 统一社会信用代码, their organisation codes numbered under `series`. */
function departments(series: string, count: number, suffix: string): DepartmentInput[] {
  return Array.from({ length: count }, (_, i) => ({
    code: syntheticCreditCode(`11${CITY_REGION}`, `${series}${String(i + 1).padStart(5, '0')}`),
    name: `基准测试${series}号${i + 1}${suffix}`,
    regionCode: CITY_REGION,
    level: 'MUNICIPAL' as const,
  }));
}

function connectorId(provider: number): string {
  return `bench-db-${provider}`;
}

/** The i-th resource: a 部门信息资源 (class 3), mostly published interfaces, some files and some not shared. */
function resource(i: number, provider: string, random: Random): ResourceInput & { code: string } {
  const classification = `3${String(Math.floor(i / 40) + 10).padStart(2, '0')}${String(i % 1000).padStart(3, '0')}`;
  const shareType = random.weighted<ShareType>([
    ['CONDITIONAL', 50],
    ['UNCONDITIONAL', 40],
    ['NOT_SHARED', 10],
  ]);
  const shareMethod: ShareMethod = i % 10 === 9 ? 'FILE' : 'INTERFACE';
  const items = [
    { name: 'idNumber', label: '公民身份号码', type: 'STRING', length: 18, sensitivity: 'PERSONAL', key: true, filterable: true },
    { name: 'name', label: '姓名', type: 'STRING', length: 32, sensitivity: 'PERSONAL' },
    { name: 'address', label: '地址', type: 'TEXT', sensitivity: 'INTERNAL' },
  ] as const;
  return {
    code: `${classification}/000001`,
    classification,
    apiName: `benchResource${i}`,
    name: `基准测试资源${i}`,
    summary: `基准测试生成的第 ${i} 项信息资源。`,
    provider,
    format: shareMethod === 'FILE' ? 'SPREADSHEET' : 'DATABASE',
    items,
    shareType,
    shareCondition: shareType === 'UNCONDITIONAL' ? null : '仅供基准测试。',
    shareMethod,
    openToPublic: false,
    updateCycle: 'DAILY',
    source: {
      connector: connectorId(i % PROVIDER_DEPARTMENTS),
      binding: { table: `resource_${i}`, columns: { idNumber: 'id_number', name: 'name', address: 'address' } },
    },
    status: 'PUBLISHED',
  };
}
