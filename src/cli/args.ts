import type { EnvironmentName } from '../auth/api-keys';
import { CliError, UsageError } from './errors';

export type CommandName = 'migrate' | 'org create' | 'key create' | 'key list' | 'key revoke' | 'seed' | 'idempotency purge';

interface CommandSpec {
  required: readonly string[];
  optional: readonly string[];
}

const COMMANDS: Record<CommandName, CommandSpec> = {
  migrate: { required: [], optional: [] },
  'org create': { required: ['name'], optional: [] },
  'key create': { required: ['organization', 'environment'], optional: ['merchant', 'name', 'expires-in-days'] },
  'key list': { required: ['organization'], optional: [] },
  'key revoke': { required: ['id'], optional: [] },
  seed: { required: ['organization', 'environment', 'customers'], optional: ['transactions-per-customer'] },
  'idempotency purge': { required: [], optional: [] },
};

export interface CommandLine {
  command: CommandName;
  flags: Flags;
}

export type ParsedArgs = CommandLine | { command: 'help' };

function isCommand(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(COMMANDS, name);
}

/** Splits argv into a known command and its flags (`--flag value` or `--flag=value`). */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  if (argv.length === 0 || argv.some((arg) => arg === '--help' || arg === '-h') || argv[0] === 'help') return { command: 'help' };
  const words = argv[0] === 'migrate' || argv[0] === 'seed' ? 1 : 2;
  const name = argv.slice(0, words).join(' ');
  if (!isCommand(name)) throw new UsageError(`unknown command: ${name}`);
  const spec = COMMANDS[name];
  const allowed = new Set([...spec.required, ...spec.optional]);
  const values = new Map<string, string>();
  const rest = argv.slice(words);
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument: ${arg}`);
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (!allowed.has(flag)) throw new UsageError(`unknown flag for ${name}: --${flag}`);
    if (values.has(flag)) throw new CliError(`--${flag} is given twice`);
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < rest.length && !rest[i + 1].startsWith('--')) value = rest[++i];
    if (value === undefined) throw new CliError(`--${flag} needs a value`);
    values.set(flag, value);
  }
  for (const flag of spec.required) {
    if (!values.has(flag)) throw new CliError(`${name} needs --${flag}`);
  }
  return { command: name, flags: new Flags(values) };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Typed, validated access to a command's flags. Required flags were checked by parseArgs. */
export class Flags {
  constructor(private readonly values: ReadonlyMap<string, string>) {}

  has(flag: string): boolean {
    return this.values.has(flag);
  }

  private raw(flag: string): string {
    const value = this.values.get(flag);
    if (value === undefined) throw new CliError(`--${flag} is required`);
    return value;
  }

  text(flag: string, maxLength: number): string {
    const value = this.raw(flag).trim();
    if (value === '') throw new CliError(`--${flag} must not be blank`);
    if (value.length > maxLength) throw new CliError(`--${flag} must be at most ${maxLength} characters`);
    return value;
  }

  uuid(flag: string): string {
    const value = this.raw(flag).trim();
    if (!UUID.test(value)) throw new CliError(`--${flag} must be a UUID such as 123e4567-e89b-12d3-a456-426614174000 (got "${value}")`);
    return value.toLowerCase();
  }

  environment(flag: string): EnvironmentName {
    const value = this.raw(flag).trim();
    if (value !== 'live' && value !== 'test') throw new CliError(`--${flag} must be live or test (got "${value}")`);
    return value;
  }

  integer(flag: string, min: number, max: number): number {
    const value = this.raw(flag).trim();
    const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new CliError(`--${flag} must be a whole number from ${min} to ${max} (got "${value}")`);
    }
    return parsed;
  }
}
