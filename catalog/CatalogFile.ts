/**
 * The input shapes of the catalog, as contract.graphql names them and as
 * catalog files hold them. They describe schema-valid values: every way in
 * checks the JSON Schemas of catalog/schemas/ before trusting these types.
 * Optional fields may be null because GraphQL sends explicit nulls.
 */
import type {
  AdminLevel,
  ConnectorKind,
  DataGrade,
  MaskKind,
  ResourceFormat,
  ResourceStatus,
  Sensitivity,
  ShareMethod,
  ShareType,
  UpdateCycle,
} from './model.js';

export interface DepartmentInput {
  readonly code: string;
  readonly name: string;
  readonly regionCode: string;
  readonly level: AdminLevel;
  readonly parent?: string | null;
}

export interface ConnectorInput {
  readonly id: string;
  readonly kind: ConnectorKind;
  readonly department: string;
  readonly config: Readonly<Record<string, unknown>>;
}

export interface MaskInput {
  readonly kind: MaskKind;
  readonly keepStart?: number | null;
  readonly keepEnd?: number | null;
}

export interface ItemReferenceInput {
  readonly resource: string;
  readonly item: string;
  readonly as?: string | null;
}

export interface ItemInput {
  readonly name: string;
  readonly label: string;
  /** An ItemType name or a letter code C N Y D T L M G B I F. */
  readonly type: string;
  readonly length?: number | null;
  readonly shareType?: ShareType | null;
  readonly sensitivity?: Sensitivity | null;
  readonly mask?: MaskInput | null;
  readonly filterable?: boolean | null;
  readonly key?: boolean | null;
  readonly references?: ItemReferenceInput | null;
  readonly description?: string | null;
}

export interface SourceInput {
  readonly connector: string;
  readonly binding: Readonly<Record<string, unknown>>;
}

export interface ResourceInput {
  readonly code?: string | null;
  readonly classification: string;
  readonly apiName: string;
  readonly name: string;
  readonly summary: string;
  readonly provider: string;
  readonly format: ResourceFormat;
  readonly items: readonly ItemInput[];
  readonly shareType: ShareType;
  readonly shareCondition?: string | null;
  readonly shareMethod: ShareMethod;
  readonly openToPublic: boolean;
  readonly openCondition?: string | null;
  readonly updateCycle: UpdateCycle;
  readonly grade?: DataGrade | null;
  readonly relatedResources?: readonly string[] | null;
  readonly source: SourceInput;
  /** Catalog files only: the status an import leaves this definition in; absent means DRAFT. */
  readonly status?: ResourceStatus;
}

/** A catalog file: what `importCatalog` reads and `exportCatalog` writes. */
export interface CatalogFile {
  readonly departments?: readonly DepartmentInput[];
  readonly connectors?: readonly ConnectorInput[];
  readonly resources?: readonly ResourceInput[];
}
