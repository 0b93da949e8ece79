import { CustomersArgs } from '../customers/customer.args';
import { LIMITS } from '../validation/rules';
import { fieldErrorsOf } from '../validation/validate';
import { RestError } from './rest-error';

/**
 * Out-of-range numbers are clamped to just past the range, so the arguments' own rules answer
 * ("must not be greater than 200") rather than GraphQL's 32-bit Int coercion or the query cost
 * check (which sees the requested page size before the rules run).
 */
const JUST_PAST = { page: LIMITS.maxPage + 1, pageSize: LIMITS.maxPageSize + 1 } as const;
const INTEGER = /^[+-]?\d+$/;

export const TYPE_VALUES = ['business', 'individual', 'all'] as const;
export const STATUS_VALUES = ['active', 'inactive', 'all'] as const;

/** The list's query parameters, as documented in the OpenAPI document. */
export const LIST_PARAMETERS = ['search', 'type', 'status', 'page', 'pageSize'] as const;

function single(query: Record<string, unknown>, name: string, problems: string[], what: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  // a repeated parameter (?page=1&page=2) arrives as a list
  problems.push(`${name} ${what}`);
  return undefined;
}

/**
 * GET /customers query parameters as the `customers` query's variables. Only their form is
 * checked here (strings, the seed's lower-case values, whole numbers); ranges (page from 1,
 * pageSize 1-200, search length) are the GraphQL arguments' own rules. Unknown
 * parameters are ignored, as most HTTP APIs do (cache busters, tracking parameters).
 */
export async function listVariables(query: Record<string, unknown>): Promise<Record<string, unknown>> {
  const problems: string[] = [];
  const variables: Record<string, unknown> = {};

  const search = single(query, 'search', problems, 'must be a string');
  if (search !== undefined) variables.search = search;

  for (const [name, values] of [['type', TYPE_VALUES], ['status', STATUS_VALUES]] as const) {
    const what = `must be one of the following values: ${values.join(', ')}`;
    const value = single(query, name, problems, what);
    if (value === undefined) continue;
    if ((values as readonly string[]).includes(value)) variables[name] = value.toUpperCase();
    else problems.push(`${name} ${what}`);
  }

  for (const name of ['page', 'pageSize'] as const) {
    const value = single(query, name, problems, 'must be an integer number');
    if (value === undefined) continue;
    if (!INTEGER.test(value.trim())) {
      problems.push(`${name} must be an integer number`);
      continue;
    }
    variables[name] = Math.max(0, Math.min(JUST_PAST[name], Number(value)));
  }

  if (problems.length === 0) return variables;
  // Nothing runs; the arguments' own rules still report the other parameters, one message each.
  const failing = new Set(problems.map((problem) => problem.split(' ')[0]));
  for (const { field, message } of await fieldErrorsOf(Object.assign(new CustomersArgs(), variables))) {
    if (!failing.has(field)) {
      failing.add(field);
      problems.push(message);
    }
  }
  throw RestError.badRequest(problems);
}
