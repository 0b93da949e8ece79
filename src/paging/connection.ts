import { BadUserInputError } from '../errors';
import type { CursorCodec } from './cursor';

/** The message of every cursor refusal: foreign, tampered, or made for another query. */
export const CURSOR_MISMATCH = 'cursor does not match this query';

/** Relay's paging arguments as a client sends them (null and undefined: not given). */
export interface PagingArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/**
 * One page to read: `forward` (first/after) or backward (last/before), its size, and the
 * decoded position of the cursor it starts from (null: from the start, or from the end).
 */
export interface PageRequest {
  readonly forward: boolean;
  readonly size: number;
  readonly after: readonly string[] | null;
}

function pageSize(name: 'first' | 'last', value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) throw BadUserInputError.field(name, `${name} must be between 1 and ${max}`);
  return value;
}

/**
 * Checks Relay's arguments and opens the cursor under `binding`: first/last 1-`max`
 * (`first: fallback` when neither is given), never both; after goes with first, before
 * with last. A cursor that is not this query's is BAD_USER_INPUT, before anything is read.
 */
export function pageRequest(
  args: PagingArgs,
  bounds: { readonly max: number; readonly default: number },
  codec: CursorCodec,
  binding: readonly string[],
  positionLength: number,
): PageRequest {
  const first = args.first ?? null;
  const last = args.last ?? null;
  const after = args.after ?? null;
  const before = args.before ?? null;
  if (first !== null && last !== null) {
    throw BadUserInputError.field('last', 'first and last cannot be used together: page forward with first and after, or backward with last and before');
  }
  if (after !== null && before !== null) {
    throw BadUserInputError.field('before', 'after and before cannot be used together: page forward with first and after, or backward with last and before');
  }
  const forward = last === null && before === null;
  if (!forward && first !== null) throw BadUserInputError.field('before', 'before goes with last, not first: page forward with first and after');
  if (!forward && after !== null) throw BadUserInputError.field('after', 'after goes with first, not last: page backward with last and before');
  const size = forward ? pageSize('first', first ?? bounds.default, bounds.max) : pageSize('last', last ?? bounds.default, bounds.max);
  const cursor = forward ? after : before;
  const name = forward ? 'after' : 'before';
  let position: string[] | null = null;
  if (cursor !== null) {
    position = codec.decode(binding, cursor, positionLength) ?? null;
    if (position === null) throw BadUserInputError.field(name, CURSOR_MISMATCH);
  }
  return { forward, size, after: position };
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Page<T> {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfo;
}

/**
 * A page from the rows a keyset read returned in scan order (up to size + 1 of them: one
 * more than the page says whether there is more in that direction). `hasBefore` is whether
 * rows lie at or behind the cursor in scan order, which is what the other direction's flag
 * means. A backward page is read from its end and turned around here.
 *
 * Cursors are sealed when first read, once each: sealing is an AES-GCM encryption, and most
 * queries ask only for `pageInfo { endCursor }`, not for a cursor per edge.
 */
export function toPage<R, T>(
  request: PageRequest,
  rows: readonly R[],
  hasBefore: boolean,
  cursorOf: (row: R) => string,
  nodeOf: (row: R) => T,
): Page<T> {
  const more = rows.length > request.size;
  const kept = rows.slice(0, request.size);
  if (!request.forward) kept.reverse();
  const edges = kept.map((row) => lazyEdge(row, nodeOf(row), cursorOf));
  return {
    edges,
    nodes: edges.map((edge) => edge.node),
    pageInfo: {
      hasNextPage: request.forward ? more : hasBefore,
      hasPreviousPage: request.forward ? hasBefore : more,
      get startCursor() {
        return edges[0]?.cursor ?? null;
      },
      get endCursor() {
        return edges[edges.length - 1]?.cursor ?? null;
      },
    },
  };
}

function lazyEdge<R, T>(row: R, node: T, cursorOf: (row: R) => string): Edge<T> {
  let cursor: string | undefined;
  return {
    node,
    get cursor() {
      cursor ??= cursorOf(row);
      return cursor;
    },
  };
}
