/**
 * The synthetic rows of the demo departments' sources, generated from a seed:
 * a pure function, so the same seed and scale always give the same rows.
 * Identifiers are valid (GB 11643 ID numbers, GB 32100 credit codes) and rows
 * refer to each other as real records would: legal representatives, insured
 * persons, parents and patients are persons of the population table;
 * employers are registered enterprises; births and reports name real institutions.
 */
import { badInput } from '../common/errors.js';
import { CREDIT_CODE_CHARSET, citizenIdCheckChar } from '../common/identifiers.js';
import { DATA_AS_OF, addDays, addYears, beijingInstant, dateBetween, daysBetween, laterOf } from './demoDates.js';
import { DEMO_TABLES, qualifiedName } from './demoTables.js';
import {
  ABNORMAL_REASONS,
  CASE_TYPES,
  CLINIC_KINDS,
  DISEASES,
  EMPLOYMENT_FORMS,
  ENTERPRISE_STATUSES,
  ENTERPRISE_TYPES,
  ETHNICITIES,
  FEMALE_GIVEN,
  HANGZHOU_DISTRICTS,
  INDUSTRIES,
  INSTITUTION_TYPES,
  INSURANCE_STATUSES,
  INSURANCE_TYPES,
  MALE_GIVEN,
  OCCUPATIONS,
  OUTPATIENT_KINDS,
  PENALTY_TYPES,
  PUBLIC_HOSPITAL_NAMES,
  SPECIALTY_HOSPITALS,
  SURNAMES,
  TRADE_NAME_CHARS,
  UNEMPLOYMENT_STATUSES,
  VIOLATIONS,
  type District,
} from './demoVocabulary.js';
import { seededRandom, type Random } from './seededRandom.js';
import { syntheticCreditCode } from './syntheticCreditCode.js';

export interface DemoDataOptions {
  /** Seed of the generator; the same seed gives the same rows. */
  readonly seed?: number;
  /** Multiplies every table's row count (DEMO_BASE_COUNTS); from 0.05 to 20. */
  readonly scale?: number;
}

export type DemoValue = string | number | null;
export type DemoRow = Readonly<Record<string, DemoValue>>;
/** Rows by `schema.table`, in DEMO_TABLES order. */
export type DemoRows = Readonly<Record<string, readonly DemoRow[]>>;

export const DEFAULT_DEMO_SEED = 20250630;
const MIN_SCALE = 0.05;
const MAX_SCALE = 20;

/** Rows generated per table at scale 1 (a few may be skipped where no fitting person or institution exists). */
export const DEMO_BASE_COUNTS: Readonly<Record<string, number>> = Object.freeze({
  population: 3000,
  enterprises: 800,
  administrative_penalties: 240,
  abnormal_operations: 160,
  social_insurance: 2000,
  employment: 1200,
  unemployment_benefits: 150,
  medical_institutions: 150,
  birth_certificates: 400,
  infectious_disease_reports: 300,
});

interface Person {
  readonly idNumber: string;
  readonly surname: string;
  readonly name: string;
  readonly male: boolean;
  readonly birthDate: string;
  readonly address: string;
  readonly region: District;
}

interface Enterprise {
  readonly creditCode: string;
  readonly name: string;
  readonly established: string;
  readonly status: string;
  readonly region: District;
}

interface Institution {
  readonly creditCode: string;
  readonly type: string;
  readonly name: string;
  readonly region: District;
}

/** The seed and scale to use, checked: a bad option is a BAD_USER_INPUT error. */
export function resolveDemoOptions(options: DemoDataOptions = {}): { seed: number; scale: number } {
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  const scale = options.scale ?? 1;
  if (!Number.isSafeInteger(seed)) throw badInput(`Demo seed must be an integer, got ${seed}`);
  if (!(scale >= MIN_SCALE && scale <= MAX_SCALE)) {
    throw badInput(`Demo scale must be a number from ${MIN_SCALE} to ${MAX_SCALE}, got ${scale}`);
  }
  return { seed, scale };
}

/** Generates every demo source table's rows, deterministically from the seed and scale. */
export function generateDemoRows(options: DemoDataOptions = {}): DemoRows {
  const { seed, scale } = resolveDemoOptions(options);
  const random = seededRandom(seed);
  const target = (table: string): number => Math.max(1, Math.round(DEMO_BASE_COUNTS[table]! * scale));

  const people = generatePeople(random, target('population'));
  const enterprises = generateEnterprises(random, target('enterprises'), people);
  const institutions = generateInstitutions(random, target('medical_institutions'));
  const workingAge = people.filter(
    (p) => p.birthDate >= addYears(DATA_AS_OF, -60) && p.birthDate <= addYears(DATA_AS_OF, -18),
  );
  const active = enterprises.filter((e) => e.status === '存续');

  const rows: Record<string, readonly DemoRow[]> = {
    population: people.map((p) => p.row),
    enterprises: enterprises.map((e) => e.row),
    administrative_penalties: generatePenalties(random, target('administrative_penalties'), enterprises),
    abnormal_operations: generateAbnormalOperations(random, target('abnormal_operations'), enterprises),
    social_insurance: generateSocialInsurance(random, target('social_insurance'), workingAge, active),
    employment: generateEmployment(random, target('employment'), workingAge, active),
    unemployment_benefits: generateUnemploymentBenefits(random, target('unemployment_benefits'), workingAge),
    medical_institutions: institutions.map((i) => i.row),
    birth_certificates: generateBirthCertificates(random, target('birth_certificates'), people, institutions),
    infectious_disease_reports: generateDiseaseReports(random, target('infectious_disease_reports'), people, institutions),
  };
  return Object.freeze(Object.fromEntries(DEMO_TABLES.map((table) => [qualifiedName(table), rows[table.name]!])));
}

type WithRow<T> = T & { readonly row: DemoRow };

function generatePeople(random: Random, count: number): WithRow<Person>[] {
  const seen = new Set<string>();
  const people: WithRow<Person>[] = [];
  while (people.length < count) {
    const idArea = random.pick(HANGZHOU_DISTRICTS);
    const birthDate = dateBetween(random, '1940-01-01', '2024-12-31');
    const male = random.chance(0.5);
    // GB 11643: the sequence code is odd for men and even for women.
    const sequence = random.int(0, 498) * 2 + (male ? 1 : 2);
    const first17 = idArea.code + birthDate.replaceAll('-', '') + pad(sequence, 3);
    if (seen.has(first17)) continue;
    seen.add(first17);
    const surname = random.pick(SURNAMES);
    const name = surname + givenName(random, male);
    // Most people live where their ID number was issued; some have moved districts.
    const region = random.chance(0.85) ? idArea : random.pick(HANGZHOU_DISTRICTS);
    const address = streetAddress(random, region, true);
    const idNumber = first17 + citizenIdCheckChar(first17);
    people.push({
      idNumber,
      surname,
      name,
      male,
      birthDate,
      address,
      region,
      row: {
        id_number: idNumber,
        name,
        gender: male ? '男' : '女',
        birth_date: birthDate,
        ethnicity: random.weighted(ETHNICITIES),
        household_address: address,
        household_region: region.code,
      },
    });
  }
  return people;
}

function generateEnterprises(random: Random, count: number, people: readonly Person[]): WithRow<Enterprise>[] {
  const adults = people.filter((p) => p.birthDate <= addYears(DATA_AS_OF, -20));
  if (adults.length === 0) return [];
  const codes = new Set<string>();
  const names = new Set<string>();
  const industries = INDUSTRIES.map((industry) => [industry, industry.weight] as const);
  const enterprises: WithRow<Enterprise>[] = [];
  for (let i = 0; i < count; i++) {
    const creditCode = fresh(codes, () => syntheticCreditCode('91330100', 'MA2' + creditChars(random, 5)));
    const industry = random.weighted(industries);
    const [enterpriseType, suffix] = random.weighted(ENTERPRISE_TYPES);
    const name = fresh(names, () => `杭州${tradeName(random)}${random.pick(industry.words)}${suffix}`, 20);
    const representative = random.pick(adults);
    const established = dateBetween(random, laterOf('1995-01-01', addYears(representative.birthDate, 20)), DATA_AS_OF);
    const region = random.pick(HANGZHOU_DISTRICTS);
    const status = random.weighted(ENTERPRISE_STATUSES);
    enterprises.push({
      creditCode,
      name,
      established,
      status,
      region,
      row: {
        credit_code: creditCode,
        name,
        enterprise_type: enterpriseType,
        legal_rep_name: representative.name,
        legal_rep_id_number: representative.idNumber,
        registered_capital: (random.int(1, 500) * 10).toFixed(2),
        established_on: established,
        status,
        address: streetAddress(random, region, false),
        region_code: region.code,
        industry_category: industry.code,
        phone: mobilePhone(random),
      },
    });
  }
  return enterprises;
}

function generatePenalties(random: Random, count: number, enterprises: readonly Enterprise[]): DemoRow[] {
  const perYear = new Map<string, number>();
  const rows: DemoRow[] = [];
  for (let i = 0; i < count && enterprises.length > 0; i++) {
    const enterprise = random.pick(enterprises);
    const from = laterOf('2021-01-01', addDays(enterprise.established, 30));
    if (from > DATA_AS_OF) continue;
    const decidedOn = dateBetween(random, from, DATA_AS_OF);
    const [violation, law] = random.pick(VIOLATIONS);
    const penaltyType = random.weighted(PENALTY_TYPES);
    const year = decidedOn.slice(0, 4);
    const sequence = (perYear.get(year) ?? 0) + 1;
    perYear.set(year, sequence);
    rows.push({
      decision_no: `杭市监处罚〔${year}〕${sequence}号`,
      credit_code: enterprise.creditCode,
      enterprise_name: enterprise.name,
      violation_type: violation,
      legal_basis: law,
      penalty_type: penaltyType,
      fine_amount: penaltyType === '警告' ? null : (random.int(1, 200) * 500).toFixed(2),
      decided_on: decidedOn,
      authority: marketAuthority(random, enterprise.region),
      public_until: addYears(decidedOn, 3),
      region_code: enterprise.region.code,
    });
  }
  return rows;
}

function generateAbnormalOperations(random: Random, count: number, enterprises: readonly Enterprise[]): DemoRow[] {
  const listed = enterprises.filter((e) => e.status === '存续' || e.status === '吊销');
  const seen = new Set<string>();
  const rows: DemoRow[] = [];
  for (let i = 0; i < count && listed.length > 0; i++) {
    const enterprise = random.pick(listed);
    const from = laterOf('2020-01-01', addYears(enterprise.established, 1));
    if (from > DATA_AS_OF) continue;
    const listedOn = dateBetween(random, from, DATA_AS_OF);
    if (seen.has(enterprise.creditCode + listedOn)) continue;
    seen.add(enterprise.creditCode + listedOn);
    const [reason, removalReason] = random.pick(ABNORMAL_REASONS);
    const removed = listedOn < DATA_AS_OF && random.chance(0.4);
    rows.push({
      credit_code: enterprise.creditCode,
      listed_on: listedOn,
      enterprise_name: enterprise.name,
      reason,
      listing_authority: marketAuthority(random, enterprise.region),
      removed_on: removed ? dateBetween(random, addDays(listedOn, 1), DATA_AS_OF) : null,
      removal_reason: removed ? removalReason : null,
      region_code: enterprise.region.code,
    });
  }
  return rows;
}

function generateSocialInsurance(
  random: Random,
  count: number,
  workers: readonly Person[],
  employers: readonly Enterprise[],
): DemoRow[] {
  const rows: DemoRow[] = [];
  if (employers.length === 0) return rows;
  // One row per person and insurance type (the table's key), so each person is drawn once.
  for (const person of random.shuffle(workers)) {
    if (rows.length >= count) break;
    const employer = random.pick(employers);
    const since = dateBetween(random, laterOf(addYears(person.birthDate, 18), employer.established), DATA_AS_OF);
    const status = random.weighted(INSURANCE_STATUSES);
    const base = random.int(4500, 25000).toFixed(2);
    for (const insuranceType of INSURANCE_TYPES.slice(0, random.int(1, INSURANCE_TYPES.length))) {
      if (rows.length >= count) break;
      rows.push({
        id_number: person.idNumber,
        insurance_type: insuranceType,
        name: person.name,
        status,
        contribution_base: base,
        employer_credit_code: employer.creditCode,
        employer_name: employer.name,
        first_insured_on: since,
        region_code: employer.region.code,
      });
    }
  }
  return rows;
}

function generateEmployment(
  random: Random,
  count: number,
  workers: readonly Person[],
  employers: readonly Enterprise[],
): DemoRow[] {
  const rows: DemoRow[] = [];
  for (let i = 0; i < count && workers.length > 0; i++) {
    const person = random.pick(workers);
    const form = random.weighted(EMPLOYMENT_FORMS);
    const employer = form === '单位就业' && employers.length > 0 ? random.pick(employers) : null;
    let earliest = laterOf('2010-01-01', addYears(person.birthDate, 16));
    if (employer) earliest = laterOf(earliest, employer.established);
    const registeredOn = dateBetween(random, earliest, DATA_AS_OF);
    rows.push({
      registration_no: `JY${registeredOn.slice(0, 4)}${pad(i + 1, 7)}`,
      id_number: person.idNumber,
      name: person.name,
      phone: mobilePhone(random),
      employment_form: form,
      employer_credit_code: employer?.creditCode ?? null,
      employer_name: employer?.name ?? null,
      occupation: random.pick(OCCUPATIONS),
      registered_on: registeredOn,
      status: random.chance(0.8) ? '就业' : '失业',
      region_code: (employer?.region ?? person.region).code,
    });
  }
  return rows;
}

function generateUnemploymentBenefits(random: Random, count: number, workers: readonly Person[]): DemoRow[] {
  const rows: DemoRow[] = [];
  // Claims start in one of the 30 months from 2023-01 to 2025-06 (DATA_AS_OF).
  const months = 30;
  for (let i = 0; i < count && workers.length > 0; i++) {
    const person = random.pick(workers);
    const startIndex = random.int(0, months - 1);
    const year = 2023 + Math.floor(startIndex / 12);
    const duration = random.int(3, 24);
    const finished = startIndex + duration <= months;
    rows.push({
      claim_no: `SY${year}${pad(i + 1, 6)}`,
      id_number: person.idNumber,
      name: person.name,
      start_month: `${year}-${pad((startIndex % 12) + 1, 2)}-01`,
      months: duration,
      monthly_amount: random.int(2000, 2400).toFixed(2),
      status: finished
        ? UNEMPLOYMENT_STATUSES.finished
        : random.chance(0.15)
          ? UNEMPLOYMENT_STATUSES.stopped
          : UNEMPLOYMENT_STATUSES.paying,
      region_code: person.region.code,
    });
  }
  return rows;
}

function generateInstitutions(random: Random, count: number): WithRow<Institution>[] {
  const codes = new Set<string>();
  const names = new Set<string>();
  const institutions: WithRow<Institution>[] = [];
  for (let i = 0; i < count; i++) {
    // The first is a public general hospital, so births and reports always have a place even at small scales.
    const type = i === 0 ? '综合医院' : random.weighted(INSTITUTION_TYPES);
    const region = random.pick(HANGZHOU_DISTRICTS);
    const isPublic =
      i === 0 ||
      type === '社区卫生服务中心' ||
      ((type === '综合医院' || type === '中医医院') && random.chance(0.7)) ||
      (type === '专科医院' && random.chance(0.2));
    const nonProfit = isPublic || random.chance(0.2);
    // 12: 事业单位; 52: 民办非企业单位; 91: 企业.
    const creditCode = fresh(codes, () =>
      isPublic
        ? syntheticCreditCode('12330100', digits(random, 8))
        : nonProfit
          ? syntheticCreditCode('52330100', 'MJ' + creditChars(random, 6))
          : syntheticCreditCode('91330100', 'MA2' + creditChars(random, 5)),
    );
    const name = fresh(names, () => institutionName(random, type, isPublic, region), 20);
    const [beds, grade] = bedsAndGrade(random, type, isPublic);
    institutions.push({
      creditCode,
      type,
      name,
      region,
      row: {
        credit_code: creditCode,
        name,
        institution_type: type,
        grade,
        ownership: nonProfit ? '非营利性' : '营利性',
        beds,
        principal_name: random.pick(SURNAMES) + givenName(random, random.chance(0.5)),
        address: streetAddress(random, region, false),
        region_code: region.code,
        phone: `0571-8${digits(random, 7)}`,
        license_valid_until: dateBetween(random, addDays(DATA_AS_OF, 1), '2030-06-30'),
      },
    });
  }
  return institutions;
}

function institutionName(random: Random, type: string, isPublic: boolean, region: District): string {
  switch (type) {
    case '综合医院':
      return isPublic ? `杭州市${region.name}${random.pick(PUBLIC_HOSPITAL_NAMES)}` : `杭州${tradeName(random)}医院`;
    case '中医医院':
      return isPublic ? `杭州市${region.name}中医院` : `杭州${tradeName(random)}中医医院`;
    case '专科医院':
      return isPublic
        ? `杭州市${region.name}${random.pick(SPECIALTY_HOSPITALS)}`
        : `杭州${tradeName(random)}${random.pick(SPECIALTY_HOSPITALS)}`;
    case '社区卫生服务中心':
      return `杭州市${region.name}${random.pick(region.roads)}社区卫生服务中心`;
    case '门诊部':
      return `杭州${tradeName(random)}${random.pick(OUTPATIENT_KINDS)}`;
    default:
      return `杭州${region.name}${tradeName(random)}${random.pick(CLINIC_KINDS)}`;
  }
}

function bedsAndGrade(random: Random, type: string, isPublic: boolean): [number, string] {
  switch (type) {
    case '综合医院':
      return isPublic
        ? [random.int(30, 250) * 10, random.weighted([['三级甲等', 40], ['三级乙等', 20], ['二级甲等', 30], ['二级乙等', 10]])]
        : [random.int(5, 50) * 10, random.pick(['二级乙等', '一级甲等', '未定级'])];
    case '中医医院':
      return [random.int(8, 90) * 10, isPublic ? random.pick(['三级甲等', '二级甲等']) : '未定级'];
    case '专科医院':
      return [random.int(2, 40) * 10, random.pick(['三级乙等', '二级甲等', '二级乙等', '未定级'])];
    case '社区卫生服务中心':
      return [random.int(0, 40), random.chance(0.6) ? '一级甲等' : '未定级'];
    case '门诊部':
      return [random.int(0, 10), '未定级'];
    default:
      return [0, '未定级'];
  }
}

function generateBirthCertificates(
  random: Random,
  count: number,
  people: readonly Person[],
  institutions: readonly Institution[],
): DemoRow[] {
  const byBirth = [...people].sort((a, b) => (a.birthDate < b.birthDate ? -1 : a.birthDate > b.birthDate ? 1 : 0));
  const women = byBirth.filter((p) => !p.male);
  const men = byBirth.filter((p) => p.male);
  const places = institutions.filter((i) => i.type === '综合医院' || i.name.endsWith('妇产医院'));
  const numbers = new Set<string>();
  const rows: DemoRow[] = [];
  for (let i = 0; i < count && places.length > 0; i++) {
    const birthDate = dateBetween(random, '2015-01-01', DATA_AS_OF);
    const mothers = bornBetween(women, addYears(birthDate, -45), addYears(birthDate, -20));
    if (mothers.length === 0) continue;
    const mother = random.pick(mothers);
    const fathers = bornBetween(men, addYears(birthDate, -55), addYears(birthDate, -22));
    const father = fathers.length > 0 && random.chance(0.95) ? random.pick(fathers) : null;
    const male = random.chance(0.51);
    const institution = random.pick(places);
    rows.push({
      certificate_no: fresh(numbers, () => `${random.pick(['P', 'Q', 'R'])}33${digits(random, 7)}`),
      child_name: (father ?? mother).surname + givenName(random, male),
      child_gender: male ? '男' : '女',
      birth_date: birthDate,
      birth_weight: random.int(2500, 4200),
      institution_credit_code: institution.creditCode,
      mother_name: mother.name,
      mother_id_number: mother.idNumber,
      father_name: father?.name ?? null,
      father_id_number: father?.idNumber ?? null,
      issued_on: addDays(birthDate, random.int(0, Math.min(3, daysBetween(birthDate, DATA_AS_OF)))),
      region_code: institution.region.code,
    });
  }
  return rows;
}

function generateDiseaseReports(
  random: Random,
  count: number,
  people: readonly Person[],
  institutions: readonly Institution[],
): DemoRow[] {
  const reporters = institutions.filter((i) => i.type !== '门诊部' && i.type !== '诊所');
  const rows: DemoRow[] = [];
  for (let i = 0; i < count && reporters.length > 0; i++) {
    const patient = random.pick(people);
    const diagnosedOn = dateBetween(random, laterOf('2023-01-01', patient.birthDate), DATA_AS_OF);
    const [disease, diseaseClass] = random.pick(DISEASES);
    const institution = random.pick(reporters);
    rows.push({
      report_no: `${institution.region.code}${diagnosedOn.slice(0, 4)}${pad(i + 1, 6)}`,
      patient_name: patient.name,
      id_number: patient.idNumber,
      gender: patient.male ? '男' : '女',
      disease,
      disease_class: diseaseClass,
      case_type: random.weighted(CASE_TYPES),
      onset_date: laterOf(patient.birthDate, addDays(diagnosedOn, -random.int(0, 7))),
      diagnosed_on: diagnosedOn,
      reported_at: beijingInstant(diagnosedOn, random.int(8, 21), random.int(0, 59), random.int(0, 59)),
      institution_credit_code: institution.creditCode,
      current_address: patient.address,
      region_code: patient.region.code,
    });
  }
  return rows;
}

/** People born in [from, to], from a list sorted by birth date (binary search keeps large scales fast). */
function bornBetween(sorted: readonly Person[], from: string, to: string): readonly Person[] {
  const firstAtOrAfter = (date: string, inclusive: boolean): number => {
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const birth = sorted[middle]!.birthDate;
      if (birth < date || (!inclusive && birth === date)) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  return sorted.slice(firstAtOrAfter(from, true), firstAtOrAfter(to, false));
}

/**
 * A value `make` has not produced before. Keys retry until fresh; names
 * give up after `attempts` and may repeat, as real names sometimes do.
 */
function fresh(seen: Set<string>, make: () => string, attempts = Infinity): string {
  for (let attempt = 1; ; attempt++) {
    const value = make();
    if (!seen.has(value) || attempt >= attempts) {
      seen.add(value);
      return value;
    }
  }
}

function givenName(random: Random, male: boolean): string {
  const pool = male ? MALE_GIVEN : FEMALE_GIVEN;
  return random.chance(0.7) ? random.pick(pool) + random.pick(pool) : random.pick(pool);
}

function tradeName(random: Random): string {
  const first = random.pick(TRADE_NAME_CHARS);
  let second = random.pick(TRADE_NAME_CHARS);
  while (second === first) second = random.pick(TRADE_NAME_CHARS);
  return first + second;
}

function streetAddress(random: Random, district: District, withRoom: boolean): string {
  const street = `浙江省杭州市${district.name}${random.pick(district.roads)}${random.int(1, 999)}号`;
  if (!withRoom || random.chance(0.4)) return street;
  return `${street}${random.int(1, 30)}幢${random.int(1, 3)}单元${random.int(1, 28)}${pad(random.int(1, 4), 2)}室`;
}

function marketAuthority(random: Random, district: District): string {
  return random.chance(0.3) ? '杭州市市场监督管理局' : `杭州市${district.name}市场监督管理局`;
}

function mobilePhone(random: Random): string {
  return `1${random.int(3, 9)}${digits(random, 9)}`;
}

function digits(random: Random, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += String(random.int(0, 9));
  return out;
}

function creditChars(random: Random, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += CREDIT_CODE_CHARSET[random.int(0, CREDIT_CODE_CHARSET.length - 1)];
  return out;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
