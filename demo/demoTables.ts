/**
 * The demo departments' own source tables (what each department's 前置机
 * database holds), one schema per department. createDemoSources creates them
 * from this registry; the demo catalog binds its resources to these columns.
 */

/** The schema of each provider department's source database. */
export const DEMO_SCHEMAS = Object.freeze({
  psb: 'dept_psb',
  amr: 'dept_amr',
  hrss: 'dept_hrss',
  hwc: 'dept_hwc',
});

export type DemoColumnType = 'varchar' | 'text' | 'date' | 'integer' | 'money' | 'timestamptz';

export interface DemoColumn {
  readonly name: string;
  readonly type: DemoColumnType;
  /** Length of a varchar. */
  readonly length?: number;
  readonly nullable?: boolean;
}

export interface DemoTable {
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly DemoColumn[];
  readonly primaryKey: readonly string[];
  /** Columns with a single-column index: the filterable ones and those looked up by other tables' rows. */
  readonly indexes: readonly string[];
}

const varchar = (name: string, length: number, nullable = false): DemoColumn => ({ name, type: 'varchar', length, nullable });
const column = (name: string, type: Exclude<DemoColumnType, 'varchar'>, nullable = false): DemoColumn => ({ name, type, nullable });

/** Every demo source table, in creation (and generation) order. */
export const DEMO_TABLES: readonly DemoTable[] = Object.freeze([
  {
    schema: DEMO_SCHEMAS.psb,
    name: 'population',
    columns: [
      varchar('id_number', 18),
      varchar('name', 32),
      varchar('gender', 2),
      column('birth_date', 'date'),
      varchar('ethnicity', 16),
      column('household_address', 'text'),
      varchar('household_region', 6),
    ],
    primaryKey: ['id_number'],
    indexes: ['birth_date', 'household_region'],
  },
  {
    schema: DEMO_SCHEMAS.amr,
    name: 'enterprises',
    columns: [
      varchar('credit_code', 18),
      varchar('name', 100),
      varchar('enterprise_type', 50),
      varchar('legal_rep_name', 32),
      varchar('legal_rep_id_number', 18),
      column('registered_capital', 'money'),
      column('established_on', 'date'),
      varchar('status', 8),
      column('address', 'text'),
      varchar('region_code', 6),
      varchar('industry_category', 1),
      varchar('phone', 11),
    ],
    primaryKey: ['credit_code'],
    indexes: ['established_on', 'status', 'region_code', 'industry_category'],
  },
  {
    schema: DEMO_SCHEMAS.amr,
    name: 'administrative_penalties',
    columns: [
      varchar('decision_no', 40),
      varchar('credit_code', 18),
      varchar('enterprise_name', 100),
      varchar('violation_type', 32),
      column('legal_basis', 'text'),
      varchar('penalty_type', 16),
      column('fine_amount', 'money', true),
      column('decided_on', 'date'),
      varchar('authority', 40),
      column('public_until', 'date'),
      varchar('region_code', 6),
    ],
    primaryKey: ['decision_no'],
    indexes: ['credit_code', 'violation_type', 'decided_on', 'region_code'],
  },
  {
    schema: DEMO_SCHEMAS.amr,
    name: 'abnormal_operations',
    columns: [
      varchar('credit_code', 18),
      column('listed_on', 'date'),
      varchar('enterprise_name', 100),
      column('reason', 'text'),
      varchar('listing_authority', 40),
      column('removed_on', 'date', true),
      column('removal_reason', 'text', true),
      varchar('region_code', 6),
    ],
    primaryKey: ['credit_code', 'listed_on'],
    indexes: ['listed_on', 'region_code'],
  },
  {
    schema: DEMO_SCHEMAS.hrss,
    name: 'social_insurance',
    columns: [
      varchar('id_number', 18),
      varchar('insurance_type', 16),
      varchar('name', 32),
      varchar('status', 8),
      column('contribution_base', 'money'),
      varchar('employer_credit_code', 18),
      varchar('employer_name', 100),
      column('first_insured_on', 'date'),
      varchar('region_code', 6),
    ],
    primaryKey: ['id_number', 'insurance_type'],
    indexes: ['insurance_type', 'status', 'employer_credit_code', 'first_insured_on', 'region_code'],
  },
  {
    schema: DEMO_SCHEMAS.hrss,
    name: 'employment',
    columns: [
      varchar('registration_no', 20),
      varchar('id_number', 18),
      varchar('name', 32),
      varchar('phone', 11),
      varchar('employment_form', 8),
      varchar('employer_credit_code', 18, true),
      varchar('employer_name', 100, true),
      varchar('occupation', 16),
      column('registered_on', 'date'),
      varchar('status', 8),
      varchar('region_code', 6),
    ],
    primaryKey: ['registration_no'],
    indexes: ['id_number', 'employment_form', 'employer_credit_code', 'registered_on', 'status', 'region_code'],
  },
  {
    schema: DEMO_SCHEMAS.hrss,
    name: 'unemployment_benefits',
    columns: [
      varchar('claim_no', 20),
      varchar('id_number', 18),
      varchar('name', 32),
      column('start_month', 'date'),
      column('months', 'integer'),
      column('monthly_amount', 'money'),
      varchar('status', 8),
      varchar('region_code', 6),
    ],
    primaryKey: ['claim_no'],
    indexes: ['id_number', 'start_month', 'status', 'region_code'],
  },
  {
    schema: DEMO_SCHEMAS.hwc,
    name: 'medical_institutions',
    columns: [
      varchar('credit_code', 18),
      varchar('name', 100),
      varchar('institution_type', 16),
      varchar('grade', 8),
      varchar('ownership', 8),
      column('beds', 'integer'),
      varchar('principal_name', 32),
      column('address', 'text'),
      varchar('region_code', 6),
      varchar('phone', 16),
      column('license_valid_until', 'date'),
    ],
    primaryKey: ['credit_code'],
    indexes: ['institution_type', 'grade', 'region_code'],
  },
  {
    schema: DEMO_SCHEMAS.hwc,
    name: 'birth_certificates',
    columns: [
      varchar('certificate_no', 10),
      varchar('child_name', 32),
      varchar('child_gender', 2),
      column('birth_date', 'date'),
      column('birth_weight', 'integer'),
      varchar('institution_credit_code', 18),
      varchar('mother_name', 32),
      varchar('mother_id_number', 18),
      varchar('father_name', 32, true),
      varchar('father_id_number', 18, true),
      column('issued_on', 'date'),
      varchar('region_code', 6),
    ],
    primaryKey: ['certificate_no'],
    indexes: ['birth_date', 'institution_credit_code', 'mother_id_number', 'issued_on', 'region_code'],
  },
  {
    schema: DEMO_SCHEMAS.hwc,
    name: 'infectious_disease_reports',
    columns: [
      varchar('report_no', 20),
      varchar('patient_name', 32),
      varchar('id_number', 18),
      varchar('gender', 2),
      varchar('disease', 16),
      varchar('disease_class', 4),
      varchar('case_type', 8),
      column('onset_date', 'date'),
      column('diagnosed_on', 'date'),
      column('reported_at', 'timestamptz'),
      varchar('institution_credit_code', 18),
      column('current_address', 'text'),
      varchar('region_code', 6),
    ],
    primaryKey: ['report_no'],
    indexes: ['disease', 'diagnosed_on', 'region_code'],
  },
]);

/** `schema.table`: how counts and generated rows name a table. */
export function qualifiedName(table: Pick<DemoTable, 'schema' | 'name'>): string {
  return `${table.schema}.${table.name}`;
}
