import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/** The cursor format's version, its first byte: a later format can tell old cursors apart. */
const FORMAT = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Longer than any cursor this codec makes (a name sort key is at most 200 characters). */
const MAX_CURSOR_LENGTH = 4096;

/**
 * Opaque, tamper-evident cursors. A cursor holds a position (the sort key values of the row
 * a page ends on) sealed with AES-256-GCM under a key derived from the cursor secret; the
 * query it belongs to (kind of list, organization, environment, sort and normalised filters:
 * the `binding`) is authenticated with it but not stored in it. Decoding under any other
 * binding, or a cursor with one byte changed, or one made under another secret, fails: the
 * caller answers "cursor does not match this query" and reads nothing. The position is
 * encrypted too, so a cursor shows a client nothing of the data (names, for the NAME sort).
 */
export class CursorCodec {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    if (secret.length < 32) throw new Error('the cursor secret must be at least 32 bytes');
    this.key = createHmac('sha256', secret).update('customers-gateway cursor key v1').digest();
  }

  encode(binding: readonly string[], position: readonly string[]): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(JSON.stringify([FORMAT, ...binding]), 'utf8'));
    const sealed = Buffer.concat([cipher.update(JSON.stringify(position), 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([FORMAT]), nonce, sealed, cipher.getAuthTag()]).toString('base64url');
  }

  /** The position, or undefined when the cursor is not one this codec made for `binding`. */
  decode(binding: readonly string[], cursor: string, length: number): string[] | undefined {
    if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
    const bytes = Buffer.from(cursor, 'base64url');
    // base64url decoding ignores what it cannot use: a cursor must be exactly what encode made
    if (bytes.toString('base64url') !== cursor) return undefined;
    if (bytes.length < 1 + NONCE_BYTES + TAG_BYTES + 2 || bytes[0] !== FORMAT) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(1, 1 + NONCE_BYTES));
      decipher.setAAD(Buffer.from(JSON.stringify([FORMAT, ...binding]), 'utf8'));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(bytes.subarray(1 + NONCE_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
      const position: unknown = JSON.parse(plain.toString('utf8'));
      if (!Array.isArray(position) || position.length !== length || !position.every((value) => typeof value === 'string')) return undefined;
      return position as string[];
    } catch {
      return undefined;
    }
  }
}
