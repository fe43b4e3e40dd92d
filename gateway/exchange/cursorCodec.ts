/**
 * Opaque keyset cursors. A cursor holds the order values of the last row of a
 * page, which may be masked items (an ID number the consumer sees starred), so
 * it is encrypted and authenticated (AES-256-GCM) with a key shared by every
 * instance: the consumer can neither read nor forge one.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { badInput } from '../../common/errors.js';
import type { Position } from '../../connectors/index.js';

/** What a cursor carries. */
export interface CursorPayload {
  /** Resource code the cursor belongs to. */
  readonly resource: string;
  /** The order it was made for, e.g. `name:ASC,idNumber:ASC`. */
  readonly order: string;
  /** Where the next page starts, as the connector gave it. */
  readonly position: Position;
}

export interface CursorCodec {
  encode(payload: CursorPayload): string;
  /** Decodes a cursor made for `resource` and `order`; anything else is BAD_USER_INPUT. */
  decode(cursor: string, resource: string, order: string): Position;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A new random cursor key, base64. */
export function generateCursorKey(): string {
  return randomBytes(32).toString('base64');
}

/** A codec with the deployment's cursor key (base64 of 32 bytes). */
export function createCursorCodec(keyBase64: string): CursorCodec {
  const key = Buffer.from(keyBase64, 'base64');
  if (key.length !== 32) throw new Error('cursor key must be 32 bytes');
  return {
    encode(payload) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const plain = Buffer.from(JSON.stringify([payload.resource, payload.order, payload.position]), 'utf8');
      const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
      return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
    },
    decode(cursor, resource, order) {
      const fail = () => badInput('`after` is not a cursor of this query: pass the pageInfo.endCursor of the previous page, with the same orderBy');
      const raw = Buffer.from(cursor, 'base64url');
      if (raw.length <= IV_BYTES + TAG_BYTES) throw fail();
      let parsed: unknown;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
        decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
        parsed = JSON.parse(plain.toString('utf8'));
      } catch {
        throw fail();
      }
      if (!Array.isArray(parsed) || parsed[0] !== resource || parsed[1] !== order || !isPosition(parsed[2])) throw fail();
      return parsed[2];
    },
  };
}

function isPosition(value: unknown): value is Position {
  if (value === null || typeof value !== 'object') return false;
  const position = value as Record<string, unknown>;
  return (position.kind === 'keyset' && Array.isArray(position.values)) || (position.kind === 'token' && typeof position.token === 'string');
}
