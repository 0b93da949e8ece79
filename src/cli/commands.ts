import { generateApiKey } from '../auth/api-keys';
import type { Config } from '../config';
import { DatabaseError } from '../db/errors';
import type { SqlDatabase } from '../db/sql-database';
import type { CommandLine, Flags } from './args';
import { CliError } from './errors';

const DAY_MS = 24 * 60 * 60 * 1000;

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface Context {
  db: SqlDatabase;
  /** What the migration run before the command applied. */
  applied: string[];
}

/** A command whose flags are validated, ready to run on the database. */
export type Run = (context: Context) => Promise<Json>;

/** Dates as ISO strings; NULL as null. */
function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : String(value);
}

function first<R>(rows: R[], what: string): R {
  const [row] = rows;
  if (!row) throw new CliError(`${what}: the database returned no row`);
  return row;
}

/** Database failures the operator can act on, in words; the rest by kind. */
function explained<T>(call: Promise<T>, notFound: string): Promise<T> {
  return call.catch((error: unknown) => {
    if (!(error instanceof DatabaseError)) throw error;
    if (error.kind === 'not_found') throw new CliError(notFound);
    if (error.kind === 'conflict') throw new CliError('conflict with an existing row, try again');
    if (error.kind === 'unavailable') throw new CliError('the database is unavailable');
    if (error.kind === 'timeout') throw new CliError('the database statement timed out (DB_STATEMENT_TIMEOUT_MS)');
    throw new CliError(`the database refused the request (${error.kind}${error.code ? `, ${error.code}` : ''})`);
  });
}

function createOrganization(flags: Flags): Run {
  const name = flags.text('name', 200);
  return async ({ db }) => {
    const rows = await explained(db.rpc<{ organization_id: string; merchant_id: string }>('create_organization', { p_name: name }), 'organization not created');
    const row = first(rows, 'org create');
    return { organizationId: row.organization_id, merchantId: row.merchant_id };
  };
}

function createKey(flags: Flags, config: Config): Run {
  const organizationId = flags.uuid('organization');
  const environment = flags.environment('environment');
  const merchantId = flags.has('merchant') ? flags.uuid('merchant') : null;
  const name = flags.has('name') ? flags.text('name', 100) : null;
  const expiresAt = flags.has('expires-in-days') ? new Date(Date.now() + flags.integer('expires-in-days', 1, 3650) * DAY_MS) : null;
  return async ({ db }) => {
    const key = generateApiKey(config.apiKeyPrefix, environment);
    const rows = await explained(
      db.rpc<{ api_key_id: string; environment: string }>('create_api_key', {
        p_organization_id: organizationId,
        p_environment: environment,
        p_key_hash: key.hash,
        p_key_prefix: key.displayPrefix,
        p_name: name,
        p_merchant_id: merchantId,
        p_expires_at: expiresAt,
      }),
      merchantId ? `no merchant ${merchantId} in organization ${organizationId}` : `no organization ${organizationId}`,
    );
    const row = first(rows, 'key create');
    return { id: row.api_key_id, apiKey: key.key, environment: row.environment };
  };
}

interface ListedKey {
  api_key_id: string;
  merchant_id: string;
  name: string;
  key_prefix: string;
  environment: string;
  is_active: boolean;
  expires_at: unknown;
  revoked_at: unknown;
  last_used_at: unknown;
  created_at: unknown;
}

function listKeys(flags: Flags): Run {
  const organizationId = flags.uuid('organization');
  return async ({ db }) => {
    const rows = await explained(db.rpc<ListedKey>('list_api_keys', { p_organization_id: organizationId }), `no organization ${organizationId}`);
    return {
      keys: rows.map((row) => ({
        id: row.api_key_id,
        merchantId: row.merchant_id,
        name: row.name,
        prefix: row.key_prefix,
        environment: row.environment,
        active: row.is_active,
        expiresAt: iso(row.expires_at),
        revokedAt: iso(row.revoked_at),
        lastUsedAt: iso(row.last_used_at),
        createdAt: iso(row.created_at),
      })),
  };
  };
}

function revokeKey(flags: Flags): Run {
  const id = flags.uuid('id');
  return async ({ db }) => {
    const rows = await explained(db.rpc<{ api_key_id: string; revoked_at: unknown }>('revoke_api_key', { p_api_key_id: id }), `no API key ${id}`);
    const [row] = rows;
    if (!row) throw new CliError(`no active API key with id ${id} (unknown, or already revoked)`);
    return { id: row.api_key_id, revokedAt: iso(row.revoked_at) };
  };
}

function seed(flags: Flags): Run {
  const organizationId = flags.uuid('organization');
  const environment = flags.environment('environment');
  const customers = flags.integer('customers', 1, 10_000_000);
  const perCustomer = flags.has('transactions-per-customer') ? flags.integer('transactions-per-customer', 0, 100) : 3;
  return async ({ db }) => {
    const rows = await explained(
      db.rpc<{ customers: number; transactions: number }>('seed_demo_customers', {
        p_organization_id: organizationId,
        p_environment: environment,
        p_customers: customers,
        p_transactions_per_customer: perCustomer,
      }),
      `no organization ${organizationId}`,
    );
    const row = first(rows, 'seed');
    return { customers: Number(row.customers), transactions: Number(row.transactions) };
  };
}

const COMMANDS: Record<CommandLine['command'], (flags: Flags, config: Config) => Run> = {
  migrate: () => async ({ applied }) => ({ applied }),
  'org create': createOrganization,
  'key create': createKey,
  'key list': listKeys,
  'key revoke': revokeKey,
  seed,
};

/** Validates the flags (throwing CliError) before any database is opened. */
export function prepareCommand(line: CommandLine, config: Config): Run {
  return COMMANDS[line.command](line.flags, config);
}
