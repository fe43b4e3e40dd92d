/**
 * The shape of a Meridian catalog file (JSON or YAML) as the demo writes it:
 * departments, connectors and resources, each resource a ResourceInput of the
 * GraphQL contract plus its fixed `code` and lifecycle `status`. The catalog
 * module validates such files against its own schema; this type only keeps
 * the demo honest at compile time.
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
  ItemType,
} from '../catalog/model.js';

export interface DemoDepartment {
  /** 统一社会信用代码. */
  readonly code: string;
  readonly name: string;
  readonly regionCode: string;
  readonly level: AdminLevel;
  readonly parent?: string;
}

export interface DemoConnector {
  readonly id: string;
  readonly kind: ConnectorKind;
  readonly department: string;
  /** POSTGRES kind: the department's source schema (the demo keeps sources in the gateway's own database). */
  readonly config: { readonly schema: string };
}

export interface DemoMask {
  readonly kind: MaskKind;
  readonly keepStart?: number;
  readonly keepEnd?: number;
}

export interface DemoItemReference {
  /** Code of the related resource. */
  readonly resource: string;
  /** Key item of the related resource. */
  readonly item: string;
  /** Nested field name in the data plane. */
  readonly as?: string;
}

export interface DemoItem {
  readonly name: string;
  readonly label: string;
  readonly type: ItemType;
  readonly length?: number;
  readonly shareType?: ShareType;
  readonly sensitivity?: Sensitivity;
  readonly mask?: DemoMask;
  readonly filterable?: boolean;
  readonly key?: boolean;
  readonly references?: DemoItemReference;
  readonly description?: string;
}

/** A POSTGRES binding: the table in the connector's schema and each item's column. */
export interface DemoBinding {
  readonly table: string;
  readonly columns: Readonly<Record<string, string>>;
}

export interface DemoResource {
  readonly code: string;
  readonly status: ResourceStatus;
  readonly classification: string;
  readonly apiName: string;
  readonly name: string;
  readonly summary: string;
  readonly provider: string;
  readonly format: ResourceFormat;
  readonly items: readonly DemoItem[];
  readonly shareType: ShareType;
  readonly shareCondition?: string;
  readonly shareMethod: ShareMethod;
  readonly openToPublic: boolean;
  readonly openCondition?: string;
  readonly updateCycle: UpdateCycle;
  readonly grade?: DataGrade;
  readonly relatedResources?: readonly string[];
  readonly source: { readonly connector: string; readonly binding: DemoBinding };
}

export interface DemoCatalogFile {
  readonly departments: readonly DemoDepartment[];
  readonly connectors: readonly DemoConnector[];
  readonly resources: readonly DemoResource[];
}
