/** The label of an operation without a name (`{ customers { ... } }`). */
export const ANONYMOUS_OPERATION = '(anonymous)';
/** The label of a request that never got as far as one operation (unparsable, invalid, no such operation). */
export const UNKNOWN_OPERATION = '(unknown)';
/** The label of every name past the bound, or not in the allowed list. */
export const OTHER_OPERATION = 'other';

/** How many distinct names are labelled as they are when no allowed list is given. */
export const MAX_OPERATION_NAMES = 100;

/** A GraphQL name is at most this long as a label; a longer one counts as `other`. */
const MAX_NAME_LENGTH = 100;

/**
 * Keeps the `operation` label of the metrics bounded: clients choose operation names, and each
 * distinct label value is a time series kept for the life of the process. With a list of
 * allowed names (the persisted-documents manifest's operations), exactly those are labelled;
 * without one, the first `max` names seen. Every other name is `other`.
 */
export class OperationNames {
  private readonly seen = new Set<string>();

  constructor(
    private readonly allowed: ReadonlySet<string> | undefined = undefined,
    private readonly max: number = MAX_OPERATION_NAMES,
  ) {}

  /** The label for an operation: its name, `(anonymous)`, `(unknown)` or `other`. */
  label(name: string | null | undefined, resolved: boolean): string {
    if (!resolved) return UNKNOWN_OPERATION;
    if (name === null || name === undefined || name === '') return ANONYMOUS_OPERATION;
    if (this.allowed) return this.allowed.has(name) ? name : OTHER_OPERATION;
    if (this.seen.has(name)) return name;
    if (this.seen.size >= this.max || name.length > MAX_NAME_LENGTH) return OTHER_OPERATION;
    this.seen.add(name);
    return name;
  }
}
