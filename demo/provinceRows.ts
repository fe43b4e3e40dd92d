/**
 * The synthetic rows of the province demo's sources, about the enterprises of
 * the city demo: the city's generator runs with the same seed and scale, so
 * every enterprise the province rates or lists is one the city registers (same
 * 统一社会信用代码 and name), and what the province records follows what the
 * city records of it (a revoked licence, open abnormal-operation listings,
 * heavy penalties). A pure function, like generateDemoRows.
 */
import { DATA_AS_OF, addDays, addYears, dateBetween, laterOf } from './demoDates.js';
import { qualifiedName } from './demoTables.js';
import { generateDemoRows, resolveDemoOptions, type DemoDataOptions, type DemoRow, type DemoRows } from './generateDemoRows.js';
import { PROVINCE_TABLES } from './provinceTables.js';
import { seededRandom, type Random } from './seededRandom.js';

/** A 信用等级 of 企业信用风险分类: A low risk, B average, C higher, D high. */
export type CreditRating = 'A' | 'B' | 'C' | 'D';

/** The score range of each rating, in points out of 100 (both ends included, two decimals). */
export const CREDIT_RATING_BANDS: Readonly<Record<CreditRating, readonly [number, number]>> = Object.freeze({
  A: [90, 100],
  B: [75, 89.99],
  C: [60, 74.99],
  D: [30, 59.99],
});

/** Mixed into the seed so the province's draws differ from the city's own with the same seed. */
const PROVINCE_SALT = 0x330000;

const RATING_AGENCIES = ['浙江省市场监督管理局', '杭州市市场监督管理局'] as const;

const ratingWeights = (weights: readonly number[]): readonly (readonly [CreditRating, number])[] =>
  (['A', 'B', 'C', 'D'] as const).map((rating, i) => [rating, weights[i]!] as const);

// An enterprise's record moves its rating: open abnormal listings and recent heavy penalties weigh it down.
const USUAL = ratingWeights([40, 45, 12, 3]);
const PENALISED = ratingWeights([0, 50, 50, 0]);
const LISTED_ABNORMAL = ratingWeights([0, 0, 60, 40]);

/** Years an enterprise stays in the abnormal-operations list before it is listed as seriously untrustworthy (严重违法失信). */
const ABNORMAL_YEARS_TO_SERIOUS = 3;
/** A penalty with a fine of at least this many yuan and confiscation is a heavy one (较重行政处罚). */
const HEAVY_FINE = 50_000;

/** Generates every province demo source table's rows, deterministically from the seed and scale. */
export function generateProvinceRows(options: DemoDataOptions = {}): DemoRows {
  const { seed, scale } = resolveDemoOptions(options);
  const city = generateDemoRows({ seed, scale });
  const random = seededRandom(seed ^ PROVINCE_SALT);
  const enterprises = city['dept_amr.enterprises']!;
  const penalties = city['dept_amr.administrative_penalties']!;
  const abnormal = city['dept_amr.abnormal_operations']!;

  const openAbnormal = new Set(abnormal.filter((row) => row.removed_on === null).map((row) => text(row, 'credit_code')));
  const since = addYears(DATA_AS_OF, -3);
  const penalised = new Set(
    penalties.filter((row) => row.penalty_type !== '警告' && text(row, 'decided_on') > since).map((row) => text(row, 'credit_code')),
  );
  const rows: Record<string, readonly DemoRow[]> = {
    enterprise_credit_ratings: generateRatings(random, enterprises, openAbnormal, penalised),
    serious_violations: generateSeriousViolations(random, penalties, abnormal),
  };
  return Object.freeze(Object.fromEntries(PROVINCE_TABLES.map((table) => [qualifiedName(table), rows[table.name]!])));
}

/** One rating per enterprise still on the register (存续) or with its licence revoked (吊销, always D). */
function generateRatings(
  random: Random,
  enterprises: readonly DemoRow[],
  openAbnormal: ReadonlySet<string>,
  penalised: ReadonlySet<string>,
): DemoRow[] {
  const rows: DemoRow[] = [];
  for (const enterprise of enterprises) {
    const status = text(enterprise, 'status');
    if (status !== '存续' && status !== '吊销') continue;
    const creditCode = text(enterprise, 'credit_code');
    const rating: CreditRating =
      status === '吊销'
        ? 'D'
        : random.weighted(openAbnormal.has(creditCode) ? LISTED_ABNORMAL : penalised.has(creditCode) ? PENALISED : USUAL);
    const [low, high] = CREDIT_RATING_BANDS[rating];
    const ratedOn = dateBetween(random, laterOf('2025-01-01', text(enterprise, 'established_on')), DATA_AS_OF);
    rows.push({
      credit_code: creditCode,
      enterprise_name: text(enterprise, 'name'),
      rating,
      score: (random.int(Math.round(low * 100), Math.round(high * 100)) / 100).toFixed(2),
      rated_on: ratedOn,
      valid_until: addDays(addYears(ratedOn, 1), -1),
      agency: random.pick(RATING_AGENCIES),
    });
  }
  return rows;
}

interface Listing {
  readonly creditCode: string;
  readonly name: string;
  readonly reason: string;
  readonly listedOn: string;
  readonly authority: string;
}

/**
 * 严重违法失信名单: enterprises left in the abnormal-operations list for three
 * years, and those that received a heavy penalty. An enterprise is listed once,
 * on its earliest ground; decision numbers run per year in listing order.
 */
function generateSeriousViolations(random: Random, penalties: readonly DemoRow[], abnormal: readonly DemoRow[]): DemoRow[] {
  const listings = new Map<string, Listing>();
  const consider = (listing: Listing): void => {
    const earlier = listings.get(listing.creditCode);
    if (listing.listedOn <= DATA_AS_OF && (!earlier || listing.listedOn < earlier.listedOn)) listings.set(listing.creditCode, listing);
  };
  for (const row of abnormal) {
    if (row.removed_on !== null) continue;
    consider({
      creditCode: text(row, 'credit_code'),
      name: text(row, 'enterprise_name'),
      reason: `被列入经营异常名录届满${ABNORMAL_YEARS_TO_SERIOUS}年仍未履行相关义务`,
      listedOn: addYears(text(row, 'listed_on'), ABNORMAL_YEARS_TO_SERIOUS),
      authority: text(row, 'listing_authority'),
    });
  }
  for (const row of penalties) {
    if (row.penalty_type !== '罚款；没收违法所得' || Number(row.fine_amount) < HEAVY_FINE) continue;
    consider({
      creditCode: text(row, 'credit_code'),
      name: text(row, 'enterprise_name'),
      reason: `${text(row, 'violation_type')}，受到较重行政处罚（${text(row, 'decision_no')}）`,
      listedOn: addDays(text(row, 'decided_on'), random.int(15, 60)),
      authority: text(row, 'authority'),
    });
  }
  const ordered = [...listings.values()].sort((a, b) =>
    a.listedOn !== b.listedOn ? (a.listedOn < b.listedOn ? -1 : 1) : a.creditCode < b.creditCode ? -1 : 1,
  );
  const perYear = new Map<string, number>();
  return ordered.map((listing) => {
    const year = listing.listedOn.slice(0, 4);
    const sequence = (perYear.get(year) ?? 0) + 1;
    perYear.set(year, sequence);
    return {
      credit_code: listing.creditCode,
      enterprise_name: listing.name,
      reason: listing.reason,
      listed_on: listing.listedOn,
      decision_no: `浙市监信列〔${year}〕${sequence}号`,
      listing_authority: listing.authority,
    };
  });
}

/** A value the city generator always fills with text. */
function text(row: DemoRow, column: string): string {
  return String(row[column]);
}
