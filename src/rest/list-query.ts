import { CustomersArgs } from '../customers/customer.args';
import { ActivityStatus, CustomerType } from '../customers/enums';
import { fieldErrorsOf } from '../validation/validate';
import { RestError } from './rest-error';

const INTEGER = /^[+-]?\d+$/;

/** The enum's own (lower-case) values, the seed's, with `all` last as the seed lists them. */
function seedValues<V extends string>(values: readonly V[], all: V): V[] {
  return [...values.filter((value) => value !== all), all];
}
export const TYPE_VALUES = seedValues(Object.values(CustomerType), CustomerType.ALL);
export const STATUS_VALUES = seedValues(Object.values(ActivityStatus), ActivityStatus.ALL);

function single(query: Record<string, unknown>, name: string, problems: string[], what: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  // a repeated parameter (?page=1&page=2) arrives as a list
  problems.push(`${name} ${what}`);
  return undefined;
}

function oneOf<V extends string>(query: Record<string, unknown>, name: string, values: readonly V[], problems: string[]): V | undefined {
  const what = `must be one of the following values: ${values.join(', ')}`;
  const value = single(query, name, problems, what);
  if (value === undefined) return undefined;
  if ((values as readonly string[]).includes(value)) return value as V;
  problems.push(`${name} ${what}`);
  return undefined;
}

function integer(query: Record<string, unknown>, name: string, problems: string[]): number | undefined {
  const value = single(query, name, problems, 'must be an integer number');
  if (value === undefined) return undefined;
  if (INTEGER.test(value.trim())) return Number(value);
  problems.push(`${name} must be an integer number`);
  return undefined;
}

/**
 * GET /customers query parameters as the `customers` query's arguments, checked by the same
 * rules (page from 1, pageSize 1-200, search length). Every failing parameter is reported at
 * once, one message each. Unknown parameters are ignored, as most HTTP APIs do (cache
 * busters, tracking parameters).
 */
export async function listArgs(query: Record<string, unknown>): Promise<CustomersArgs> {
  const problems: string[] = [];
  const args = new CustomersArgs();
  args.search = single(query, 'search', problems, 'must be a string');
  args.type = oneOf(query, 'type', TYPE_VALUES, problems);
  args.status = oneOf(query, 'status', STATUS_VALUES, problems);
  args.page = integer(query, 'page', problems);
  args.pageSize = integer(query, 'pageSize', problems);
  const failing = new Set(problems.map((problem) => problem.split(' ')[0]));
  for (const { field, message } of await fieldErrorsOf(args)) {
    if (!failing.has(field)) {
      failing.add(field);
      problems.push(message);
    }
  }
  if (problems.length > 0) throw RestError.badRequest(problems);
  return args;
}

/** GET /customers/changes query parameters: the feed's cursor and page size, checked by the service. */
export function changesArgs(query: Record<string, unknown>): { since: string | null; first: number | null } {
  const problems: string[] = [];
  const since = single(query, 'since', problems, 'must be a string');
  const first = integer(query, 'first', problems);
  if (problems.length > 0) throw RestError.badRequest(problems);
  return { since: since?.trim() ? since.trim() : null, first: first ?? null };
}
