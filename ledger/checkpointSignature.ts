/**
 * Signed checkpoints of a writer's chain head. Auditors check them offline
 * from this description, so the canonical form must never change for
 * checkpoints already signed.
 *
 * Canonical form (format 1): the UTF-8 text of a JSON array (no spaces, as
 * JavaScript's JSON.stringify writes it) holding, in this order:
 *
 *    0 "meridian-ledger-checkpoint-1"   a fixed tag, so the signature means nothing in any other context
 *    1 writerId                        string
 *    2 seq                             number: the seq of the chain head signed
 *    3 hash                            string: that record's hash (lower-case hex)
 *    4 at                              string: when it was signed, UTC with milliseconds (2024-03-01T02:03:04.005Z)
 *
 * Python: json.dumps([tag, writer, seq, hash, at], separators=(',', ':'), ensure_ascii=False).
 *
 * Signature: Ed25519 (RFC 8032, pure, no pre-hash) over those bytes, stored in
 * base64. Public keys are stored as SPKI DER in base64 (ledger_writer_keys,
 * and the current one in ledger_writers.public_key); each checkpoint names
 * the key that signed it (ledger_checkpoints.key_id). Private keys exist only
 * in the memory of the writer's process.
 */
import { createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

const CHECKPOINT_TAG = 'meridian-ledger-checkpoint-1';

/** A signed chain head, as ledger_checkpoints holds it. */
export interface Checkpoint {
  readonly writerId: string;
  readonly seq: number;
  readonly hash: string;
  /** ISO 8601, UTC with milliseconds. */
  readonly at: string;
  /** Ed25519 signature over canonicalCheckpoint, base64. */
  readonly signature: string;
}

/** A writer's signing key: the private half never leaves the process. */
export interface CheckpointKey {
  readonly privateKey: KeyObject;
  /** SPKI DER, base64: what ledger_writer_keys stores. */
  readonly publicKey: string;
}

/** Serialises the signed fields of a checkpoint in the fixed order documented above. */
export function canonicalCheckpoint(checkpoint: Omit<Checkpoint, 'signature'>): string {
  return JSON.stringify([CHECKPOINT_TAG, checkpoint.writerId, checkpoint.seq, checkpoint.hash, checkpoint.at]);
}

/** Creates a new Ed25519 key pair for one writer process. */
export function createCheckpointKey(): CheckpointKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') };
}

/** Signs a chain head with the writer's private key. */
export function signCheckpoint(privateKey: KeyObject, head: Omit<Checkpoint, 'signature'>): Checkpoint {
  const signature = sign(null, Buffer.from(canonicalCheckpoint(head), 'utf8'), privateKey).toString('base64');
  return { ...head, signature };
}

/** True when `checkpoint.signature` is a valid signature of its canonical form by `publicKey` (SPKI DER, base64). */
export function verifyCheckpoint(publicKey: string, checkpoint: Checkpoint): boolean {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
  } catch {
    return false;
  }
  if (key.asymmetricKeyType !== 'ed25519') return false;
  return verify(null, Buffer.from(canonicalCheckpoint(checkpoint), 'utf8'), key, Buffer.from(checkpoint.signature, 'base64'));
}
