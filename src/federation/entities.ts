import { BadUserInputError } from '../errors';
import type { FieldError } from '../errors';
import { isCustomerId } from '../customers/customer.service';

/**
 * The most representations one `_entities` field takes. A router asks for the entities of one
 * step of its query plan at once (a page of orders -> their customers); 1000 covers large pages
 * and is about 60 kB of JSON, under the default BODY_LIMIT.
 * They are looked up in batches of 500 (one database call each, customer.loaders.ts), and
 * costed like a list of that many (src/limits/prices.ts).
 */
export const MAX_REPRESENTATIONS = 1000;

/** Problems reported at most, so a refusal stays small whatever was sent. */
const MAX_PROBLEMS = 10;

function problemOf(representation: unknown, entities: ReadonlySet<string>): string | undefined {
  if (typeof representation !== 'object' || representation === null || Array.isArray(representation)) {
    return 'must be an object such as {"__typename": "Customer", "id": "<uuid>"}';
  }
  const { __typename: typename, id } = representation as Record<string, unknown>;
  if (typeof typename !== 'string' || !entities.has(typename)) {
    return `__typename must be one of the entities of this subgraph (${[...entities].join(', ')}), got ${JSON.stringify(typename ?? null)?.slice(0, 100)}`;
  }
  if (typeof id !== 'string' || !isCustomerId(id)) return 'id must be the customer\'s id (a UUID)';
  return undefined;
}

/**
 * Refuses representations a router would never send, as the client's error (BAD_USER_INPUT,
 * naming each, e.g. `representations[3]`), before any is looked up: more than
 * MAX_REPRESENTATIONS, or one that is not `{ __typename: <an entity>, id: <a UUID> }`.
 */
export function checkRepresentations(representations: unknown, entities: ReadonlySet<string>): void {
  // graphql-js has coerced the argument to a list already; this is the type's promise checked.
  const list: readonly unknown[] = Array.isArray(representations) ? representations : [representations];
  if (list.length > MAX_REPRESENTATIONS) {
    throw BadUserInputError.field(
      'representations',
      `_entities takes at most ${MAX_REPRESENTATIONS} representations; ${list.length} were sent: split them over several requests`,
    );
  }
  const problems: FieldError[] = [];
  for (let i = 0; i < list.length && problems.length < MAX_PROBLEMS; i++) {
    const problem = problemOf(list[i], entities);
    if (problem) problems.push({ field: `representations[${i}]`, message: `representations[${i}]: ${problem}` });
  }
  if (problems.length > 0) throw new BadUserInputError(problems);
}
