/**
 * The demo's catalog file: the catalog module's file shape (catalog/CatalogFile.ts)
 * narrowed to what the demo always states: every resource has its fixed code
 * and lifecycle status, item types are ItemType names, and every source is a
 * POSTGRES binding to a table of the department's schema.
 */
import type {
  CatalogFile,
  ConnectorInput,
  DepartmentInput,
  ItemInput,
  ItemReferenceInput,
  ItemType,
  MaskInput,
  ResourceInput,
  ResourceStatus,
} from '../catalog/index.js';

export type DemoDepartment = DepartmentInput;
export type DemoMask = MaskInput;
export type DemoItemReference = ItemReferenceInput;

export interface DemoConnector extends ConnectorInput {
  /** POSTGRES kind: the department's source schema (the demo keeps sources in the gateway's own database). */
  readonly config: { readonly schema: string };
}

export interface DemoItem extends ItemInput {
  readonly type: ItemType;
}

/** A POSTGRES binding: the table in the connector's schema and each item's column. */
export type DemoBinding = { readonly table: string; readonly columns: Readonly<Record<string, string>> };

export interface DemoResource extends ResourceInput {
  readonly code: string;
  readonly status: ResourceStatus;
  readonly items: readonly DemoItem[];
  readonly source: { readonly connector: string; readonly binding: DemoBinding };
}

export interface DemoCatalogFile extends CatalogFile {
  readonly departments: readonly DemoDepartment[];
  readonly connectors: readonly DemoConnector[];
  readonly resources: readonly DemoResource[];
}
