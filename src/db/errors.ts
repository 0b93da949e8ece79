/**
 * Typed database errors. Adapters turn driver errors into these by SQLSTATE (or by network
 * error code), never by message text, and never carry the database's message, detail or hint:
 * those can hold SQL and customer data. The original error stays in `cause` for the log.
 */
export type DatabaseErrorKind =
  | 'not_found'
  | 'invalid_input'
  | 'conflict'
  /** CV001: the customer is not at the expected version; nothing was written. */
  | 'version_mismatch'
  /** CI001: an idempotency key was used before with another input; nothing was written. */
  | 'idempotency_key_reused'
  | 'unavailable'
  | 'timeout'
  | 'internal';

export class DatabaseError extends Error {
  constructor(
    readonly kind: DatabaseErrorKind,
    /** SQLSTATE or driver code, safe to log. */
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`database error: ${kind}${code ? ` (${code})` : ''}`, options);
    this.name = 'DatabaseError';
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH',
  'ENETUNREACH', 'ECONNABORTED',
]);

/** Maps a SQLSTATE (or a Node network error code) to the kind of failure it means. */
export function kindOfCode(code: string | undefined): DatabaseErrorKind {
  if (!code) return 'internal';
  if (NETWORK_CODES.has(code)) return 'unavailable';
  if (code === 'P0002' || code === 'PGRST116') return 'not_found';
  if (code === '23505' || code === '40001' || code === '40P01') return 'conflict';
  // raised by schema/sql/008's functions
  if (code === 'CV001') return 'version_mismatch';
  if (code === 'CI001') return 'idempotency_key_reused';
  if (code === '57014') return 'timeout';
  // PostgREST (Supabase): PGRST000-002 cannot reach the database or its schema cache is
  // loading; PGRST003 waited too long for a pool connection. Other PGRST codes (PGRST202
  // function not found, PGRST3xx bad key) are our bug or our configuration: internal.
  if (/^PGRST00[0-3]$/.test(code)) return 'unavailable';
  if (code.startsWith('PGRST')) return 'internal';
  // 08: connection exception; 53: insufficient resources; 57P0x: shutdown, cannot connect now
  if (code.startsWith('08') || code.startsWith('53') || /^57P0[1-4]$/.test(code)) return 'unavailable';
  // 22: data exception (bad value, bad text representation, bad parameter);
  // 23: integrity constraint (not null, check, foreign key)
  if (code.startsWith('22') || code.startsWith('23')) return 'invalid_input';
  return 'internal';
}

/** Anything a driver threw, as a DatabaseError. */
export function toDatabaseError(error: unknown): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
  const message = error instanceof Error ? error.message : '';
  // pg reports a dropped or refused connection, and its own timeouts, without a SQLSTATE.
  if (!code && /Query read timeout/i.test(message)) return new DatabaseError('timeout', 'QUERY_TIMEOUT', { cause: error });
  if (!code && /timeout exceeded when trying to connect/i.test(message)) return new DatabaseError('unavailable', 'POOL_TIMEOUT', { cause: error });
  if (!code && /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(message)) {
    return new DatabaseError('unavailable', undefined, { cause: error });
  }
  return new DatabaseError(kindOfCode(code), code, { cause: error });
}
