/**
 * The catalog model (政务信息资源目录): departments, connectors and resources
 * in their normalised, stored form. Inputs are validated and normalised into
 * these shapes by catalog/normalizeResource.ts; everything downstream reads them.
 */

export type Role = 'CONSUMER' | 'PROVIDER_ADMIN' | 'CATALOG_ADMIN' | 'AUDITOR' | 'GATEWAY';
export const ROLES: readonly Role[] = ['CONSUMER', 'PROVIDER_ADMIN', 'CATALOG_ADMIN', 'AUDITOR', 'GATEWAY'];

export type AdminLevel = 'NATIONAL' | 'PROVINCIAL' | 'MUNICIPAL' | 'COUNTY';
export type ShareType = 'UNCONDITIONAL' | 'CONDITIONAL' | 'NOT_SHARED';
export type ShareMethod = 'INTERFACE' | 'FILE' | 'DATABASE';
export type ResourceFormat =
  | 'ELECTRONIC_FILE'
  | 'SPREADSHEET'
  | 'DATABASE'
  | 'IMAGE'
  | 'STREAMING_MEDIA'
  | 'SELF_DESCRIBING'
  | 'SERVICE_INTERFACE';
export type UpdateCycle = 'REALTIME' | 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'QUARTERLY' | 'HALF_YEARLY' | 'YEARLY' | 'OTHER';
export type ResourceStatus = 'DRAFT' | 'PUBLISHED' | 'DEPRECATED';
export type ItemType = 'STRING' | 'TEXT' | 'INTEGER' | 'DECIMAL' | 'MONEY' | 'FLOAT' | 'DATE' | 'DATETIME' | 'BOOLEAN' | 'BINARY';
export type Sensitivity = 'PUBLIC' | 'INTERNAL' | 'PERSONAL' | 'SENSITIVE_PERSONAL';
export type DataGrade = 'GENERAL' | 'IMPORTANT' | 'CORE';
export type MaskKind = 'NONE' | 'PARTIAL' | 'NAME' | 'HASH' | 'REDACT' | 'GENERALIZE';
export type ConnectorKind = 'POSTGRES' | 'HTTP' | 'GATEWAY';

/** Share types from loosest to strictest; an item may be stricter than its resource, never looser. */
export const SHARE_TYPE_STRICTNESS: Readonly<Record<ShareType, number>> = {
  UNCONDITIONAL: 0,
  CONDITIONAL: 1,
  NOT_SHARED: 2,
};

export interface Department {
  /** 统一社会信用代码 of the department. */
  readonly code: string;
  readonly name: string;
  /** 行政区划代码 (6 digits, optionally more). */
  readonly regionCode: string;
  readonly level: AdminLevel;
  readonly parent: string | null;
}

export interface ConnectorRecord {
  readonly id: string;
  readonly kind: ConnectorKind;
  /** The provider department that runs it (前置机). */
  readonly department: string;
  /** Kind-specific configuration, validated by the kind's JSON Schema. May hold secrets: never expose. */
  readonly config: Readonly<Record<string, unknown>>;
}

export interface MaskRule {
  readonly kind: MaskKind;
  readonly keepStart?: number;
  readonly keepEnd?: number;
}

export interface ItemReference {
  /** Code of the related resource. */
  readonly resource: string;
  /** Key item of the related resource that this item's value matches. */
  readonly item: string;
  /** Name of the nested field in the data plane (default `<item>Ref`). */
  readonly as: string;
}

/** 信息项: one data item of a resource, normalised (every default filled). */
export interface ResourceItem {
  /** GraphQL field name. */
  readonly name: string;
  /** 信息项名称. */
  readonly label: string;
  readonly type: ItemType;
  readonly length: number | null;
  /** Defaults to the resource's share type; never looser. */
  readonly shareType: ShareType;
  readonly sensitivity: Sensitivity;
  /** Mask applied when a grant does not release the item in clear. */
  readonly mask: MaskRule;
  readonly filterable: boolean;
  readonly key: boolean;
  readonly references: ItemReference | null;
  readonly description: string | null;
}

/** Where a resource's rows come from: a connector and a kind-specific binding. */
export interface ResourceSource {
  readonly connector: string;
  readonly binding: Readonly<Record<string, unknown>>;
}

/** One version of a resource, as stored and served. */
export interface ResourceDefinition {
  /** 信息资源代码: 分类码/顺序码. */
  readonly code: string;
  readonly version: number;
  readonly status: ResourceStatus;
  readonly apiName: string;
  readonly name: string;
  readonly summary: string;
  /** 分类码: 类 + 项 + 目 (+ 细目). */
  readonly classification: string;
  /** Provider department code. */
  readonly provider: string;
  readonly format: ResourceFormat;
  readonly items: readonly ResourceItem[];
  readonly shareType: ShareType;
  readonly shareCondition: string | null;
  readonly shareMethod: ShareMethod;
  readonly openToPublic: boolean;
  readonly openCondition: string | null;
  readonly updateCycle: UpdateCycle;
  readonly grade: DataGrade;
  readonly relatedResources: readonly string[];
  readonly source: ResourceSource;
  readonly createdAt: string;
  readonly publishedAt: string | null;
  readonly deprecatedAt: string | null;
  readonly deprecationReason: string | null;
}

/** The catalog as one gateway instance holds it in memory. */
export interface CatalogSnapshot {
  readonly departments: ReadonlyMap<string, Department>;
  readonly connectors: ReadonlyMap<string, ConnectorRecord>;
  /**
   * Admin view: the version each code shows to catalog administrators, the
   * published one, else the latest (a draft or a deprecated version).
   */
  readonly resources: ReadonlyMap<string, ResourceDefinition>;
  /**
   * Consumer view: the published version, else the latest deprecated one;
   * codes with only drafts are absent.
   */
  readonly visible: ReadonlyMap<string, ResourceDefinition>;
  /** Published INTERFACE resources: the data plane. */
  readonly published: ReadonlyMap<string, ResourceDefinition>;
  /** Every version number of each code. */
  readonly versions: ReadonlyMap<string, readonly number[]>;
  /** When the snapshot was read. */
  readonly loadedAt: Date;
}

/** The default mask of an item without an explicit one. */
export function defaultMask(sensitivity: Sensitivity): MaskRule {
  return sensitivity === 'PERSONAL' || sensitivity === 'SENSITIVE_PERSONAL' ? { kind: 'REDACT' } : { kind: 'NONE' };
}

/** The key items of a resource, in declaration order. */
export function keyItems(resource: ResourceDefinition): ResourceItem[] {
  return resource.items.filter((item) => item.key);
}

/** The GraphQL type name of a resource: its apiName with the first letter upper-cased. */
export function typeNameOf(apiName: string): string {
  return apiName.charAt(0).toUpperCase() + apiName.slice(1);
}
