import { parseArgs as parseFlags } from 'node:util';
import type { EnvironmentName } from '../auth/api-keys';
import { CliError, UsageError } from './errors';

export type CommandName = 'migrate' | 'org create' | 'org list' | 'key create' | 'key list' | 'key revoke' | 'seed' | 'idempotency purge';

interface FlagSpec {
  readonly name: string;
  /** How the value is shown in help, e.g. `ID` or `live|test`. */
  readonly value: string;
  readonly help: string;
}

export interface CommandSpec {
  readonly summary: string;
  readonly required: readonly FlagSpec[];
  readonly optional: readonly FlagSpec[];
  /** The JSON document the command prints on stdout. */
  readonly result: string;
}

const ORGANIZATION: FlagSpec = { name: 'organization', value: 'ID', help: "the organization's id (from org create or org list)" };
const ENVIRONMENT: FlagSpec = { name: 'environment', value: 'live|test', help: 'the environment the key or data belongs to' };

export const COMMANDS: Readonly<Record<CommandName, CommandSpec>> = {
  migrate: { summary: 'apply pending migrations', required: [], optional: [], result: '{"applied": [...]}' },
  'org create': {
    summary: 'create an organization and its first merchant',
    required: [{ name: 'name', value: 'NAME', help: 'the organization name, 1-200 characters' }],
    optional: [],
    result: '{"organizationId", "merchantId"}',
  },
  'org list': {
    summary: 'list organizations, newest first, with their merchant and active key counts',
    required: [],
    optional: [{ name: 'limit', value: 'N', help: 'at most N organizations, 1-10000 (default 100)' }],
    result: '{"organizations": [{"id", "name", "createdAt", "merchants", "activeKeys"}]}',
  },
  'key create': {
    summary: 'create an API key, shown only here',
    required: [ORGANIZATION, ENVIRONMENT],
    optional: [
      { name: 'merchant', value: 'ID', help: 'a merchant of the organization (default: its first)' },
      { name: 'name', value: 'NAME', help: 'a label for the key, 1-100 characters' },
      { name: 'expires-in-days', value: 'N', help: 'the key stops working after N days, 1-3650' },
    ],
    result: '{"id", "apiKey", "environment"}',
  },
  'key list': { summary: "list an organization's keys (never the keys themselves)", required: [ORGANIZATION], optional: [], result: '{"keys": [...]}' },
  'key revoke': { summary: 'revoke an active key', required: [{ name: 'id', value: 'ID', help: "the key's id (from key list)" }], optional: [], result: '{"id", "revokedAt"}' },
  seed: {
    summary: 'add demo customers and transactions (progress on stderr)',
    required: [ORGANIZATION, ENVIRONMENT, { name: 'customers', value: 'N', help: 'how many customers, 1-10000000' }],
    optional: [{ name: 'transactions-per-customer', value: 'M', help: 'transactions per customer, 0-100 (default 3)' }],
    result: '{"customers", "transactions"}',
  },
  'idempotency purge': {
    summary: "delete every tenant's idempotency records older than 24 hours",
    required: [],
    optional: [],
    result: '{"purged"}',
  },
};

/** The command groups: `org`, `key` and `idempotency` take a subcommand. */
export const GROUPS: Readonly<Record<string, readonly string[]>> = { org: ['create', 'list'], key: ['create', 'list', 'revoke'], idempotency: ['purge'] };

export interface CommandLine {
  command: CommandName;
  flags: Flags;
  /** `--progress` / `--no-progress`; undefined: progress when stderr is a terminal. */
  progress: boolean | undefined;
}

export type ParsedArgs = CommandLine | { command: 'help'; topic?: string } | { command: 'version' };

export function isCommand(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(COMMANDS, name);
}

const HELP_FLAGS = new Set(['--help', '-h']);

/** Which command the words name: one word (migrate, seed), or a group and its subcommand. */
function commandOf(argv: readonly string[]): { name: CommandName; rest: readonly string[] } | { help: string } {
  const [first, second] = argv;
  if (first in GROUPS) {
    const subcommands = GROUPS[first];
    if (second === undefined || second.startsWith('-')) {
      if (second !== undefined && HELP_FLAGS.has(second)) return { help: first };
      throw new UsageError(`${first} needs a subcommand: ${subcommands.join(', ')} (e.g. ${first} ${subcommands[0]})`, first);
    }
    const name = `${first} ${second}`;
    if (!isCommand(name)) throw new UsageError(`unknown command: ${name} (${first} has ${subcommands.join(', ')})`, first);
    return { name, rest: argv.slice(2) };
  }
  if (!isCommand(first)) throw new UsageError(`unknown command: ${first} (commands: migrate, org, key, seed; see --help)`);
  return { name: first, rest: argv.slice(1) };
}

/** Splits argv into a known command and its flags (`--flag value` or `--flag=value`), with node:util's parser. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  if (argv.length === 0) throw new UsageError('a command is needed');
  if (HELP_FLAGS.has(argv[0])) return { command: 'help' };
  if (argv[0] === '--version' || argv[0] === '-V') return { command: 'version' };
  if (argv[0] === 'help') return { command: 'help', topic: argv.slice(1).join(' ') || undefined };
  const found = commandOf(argv);
  if ('help' in found) return { command: 'help', topic: found.help };
  const { name, rest } = found;
  if (rest.some((arg) => HELP_FLAGS.has(arg))) return { command: 'help', topic: name };
  const spec = COMMANDS[name];
  const flagNames = [...spec.required, ...spec.optional].map((flag) => flag.name);
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags({
      args: [...rest],
      options: Object.fromEntries([...flagNames.map((flag) => [flag, { type: 'string' as const }]), ['progress', { type: 'boolean' as const }], ['no-progress', { type: 'boolean' as const }]]),
      strict: true,
      allowPositionals: false,
      tokens: true,
    });
  } catch (error) {
    throw usageErrorOf(error, name);
  }
  const values = new Map<string, string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option' || token.name === 'progress' || token.name === 'no-progress') continue;
    if (values.has(token.name)) throw new CliError(`--${token.name} is given twice`);
    if (token.value === undefined) throw new CliError(`--${token.name} needs a value`);
    values.set(token.name, token.value);
  }
  for (const flag of spec.required) {
    if (!values.has(flag.name)) throw new CliError(`${name} needs --${flag.name}`);
  }
  const progress = parsed.values['no-progress'] === true ? false : parsed.values.progress === true ? true : undefined;
  return { command: name, flags: new Flags(values), progress };
}

/** node:util's errors in the CLI's words, with the command's help. */
function usageErrorOf(error: unknown, command: CommandName): CliError {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /'(--[a-z-]+)/.exec(message)?.[1];
    return new CliError(flag ? `${flag} needs a value` : message);
  }
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'([^']+)'/.exec(message)?.[1] ?? message;
    return new UsageError(`unknown flag for ${command}: ${flag}`, command);
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const arg = /'([^']+)'/.exec(message)?.[1] ?? message;
    return new UsageError(`unexpected argument for ${command}: ${arg}`, command);
  }
  return new UsageError(message, command);
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
