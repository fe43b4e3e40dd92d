/** The exchange ledger: records, their hash chains, the group-commit writer, checkpoints, roll-ups, partitions and verification. */
export type { ChainedRecord, ExchangeRecord, Outcome } from './ExchangeRecord.js';
export { GENESIS_HASH, canonicalRecord, hashRecord } from './chainHash.js';
export { normalizeRecord } from './normalizeRecord.js';
export { LEDGER_COLUMNS, rowToChainedRecord, type LedgerRow } from './ledgerRows.js';
export {
  MAX_LEDGER_BATCH,
  createLedgerWriter,
  type LedgerHealth,
  type LedgerWriter,
  type LedgerWriterOptions,
} from './ledgerWriter.js';
export {
  canonicalCheckpoint,
  createCheckpointKey,
  signCheckpoint,
  verifyCheckpoint,
  type Checkpoint,
  type CheckpointKey,
} from './checkpointSignature.js';
export { rollupRows, upsertRollups, type RollupRow } from './ledgerRollups.js';
export { ensurePartitions, type EnsuredPartitions } from './partitions.js';
export {
  archiveLedger,
  type ArchiveLedgerOptions,
  type ArchivedFile,
  type LedgerArchiveSummary,
} from './archiveLedger.js';
export {
  verifyLedger,
  type ChainProblemKind,
  type ChainReport,
  type LedgerVerification,
  type VerifyLedgerOptions,
} from './verifyLedger.js';
export {
  CSV_TRAILER_PREFIX,
  EXPORT_FORMAT_VERSION,
  exportLedger,
  type ExportFormat,
  type ExportOptions,
  type ExportTrailer,
  type ExportedChain,
  type ExportedCheckpoint,
  type ExportedKey,
} from './exportLedger.js';
export { MAX_EXPORT_SPAN_MS, exportWindow, type ExportWindow } from './exportWindow.js';
export { verifyExportFile, type ExportChainReport, type ExportFileVerification } from './verifyExportFile.js';
