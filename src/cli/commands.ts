import * as admin from '../admin/admin';
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
  /** A line of progress for a person (stderr); never part of the result. */
  progress(line: string): void;
}

/** A command whose flags are validated, ready to run on the database. */
export type Run = (context: Context) => Promise<Json>;

/** Dates as ISO strings; NULL as null. */
function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : String(value);
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

function createOrganizationCommand(flags: Flags): Run {
  const name = flags.text('name', 200);
  return ({ db }) => explained(admin.createOrganization(db, name), 'organization not created').then((org) => ({ ...org }));
}

function createKey(flags: Flags, config: Config): Run {
  const organizationId = flags.uuid('organization');
  const environment = flags.environment('environment');
  const merchantId = flags.has('merchant') ? flags.uuid('merchant') : null;
  const name = flags.has('name') ? flags.text('name', 100) : null;
  const expiresAt = flags.has('expires-in-days') ? new Date(Date.now() + flags.integer('expires-in-days', 1, 3650) * DAY_MS) : null;
  return async ({ db }) => {
    const key = await explained(
      admin.createApiKey(db, { organizationId, environment, prefix: config.apiKeyPrefix, name, merchantId, expiresAt }),
      merchantId ? `no merchant ${merchantId} in organization ${organizationId}` : `no organization ${organizationId}`,
    );
    return { ...key };
  };
}

function listKeys(flags: Flags): Run {
  const organizationId = flags.uuid('organization');
  return async ({ db }) => {
    const rows = await explained(admin.listApiKeys(db, organizationId), `no organization ${organizationId}`);
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
    const revoked = await explained(admin.revokeApiKey(db, id), `no API key ${id}`);
    if (!revoked) throw new CliError(`no active API key with id ${id} (unknown, or already revoked)`);
    return { id: revoked.id, revokedAt: iso(revoked.revokedAt) };
  };
}

function listOrganizations(flags: Flags): Run {
  const limit = flags.has('limit') ? flags.integer('limit', 1, 10_000) : 100;
  return async ({ db }) => {
    const rows = await explained(admin.listOrganizations(db, limit), 'no organizations');
    return {
      organizations: rows.map((row) => ({
        id: row.organization_id,
        name: row.name,
        createdAt: iso(row.created_at),
        merchants: Number(row.merchants),
        activeKeys: Number(row.active_keys),
      })),
    };
  };
}

/** Customers per seed call: big runs go in about twenty steps, so progress shows every few seconds. */
function seedBatch(total: number): number {
  return Math.max(1_000, Math.ceil(total / 20));
}

function seed(flags: Flags): Run {
  const organizationId = flags.uuid('organization');
  const environment = flags.environment('environment');
  const customers = flags.integer('customers', 1, 10_000_000);
  const transactionsPerCustomer = flags.has('transactions-per-customer') ? flags.integer('transactions-per-customer', 0, 100) : 3;
  return async ({ db, progress }) => {
    const batch = seedBatch(customers);
    const done = { customers: 0, transactions: 0 };
    const started = Date.now();
    progress(`seed: ${customers} customers with ${transactionsPerCustomer} transactions each, in steps of ${Math.min(batch, customers)}`);
    while (done.customers < customers) {
      const step = Math.min(batch, customers - done.customers);
      const seeded = await explained(
        admin.seedDemoCustomers(db, { organizationId, environment, customers: step, transactionsPerCustomer }),
        `no organization ${organizationId}`,
      );
      done.customers += seeded.customers;
      done.transactions += seeded.transactions;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      progress(`seed: ${done.customers}/${customers} customers (${Math.floor((done.customers * 100) / customers)}%), ${done.transactions} transactions, ${seconds} s`);
    }
    return { ...done };
  };
}

/** Deletes every tenant's expired idempotency records (see admin.purgeIdempotencyKeys). */
function purgeIdempotencyKeys(): Run {
  return async ({ db }) => {
    return { purged: await explained(admin.purgeIdempotencyKeys(db), 'nothing to purge') };
  };
}

const COMMANDS: Record<CommandLine['command'], (flags: Flags, config: Config) => Run> = {
  migrate: () => async ({ applied }) => ({ applied }),
  'org create': createOrganizationCommand,
  'org list': listOrganizations,
  'key create': createKey,
  'key list': listKeys,
  'key revoke': revokeKey,
  seed,
  'idempotency purge': purgeIdempotencyKeys,
};

/** Validates the flags (throwing CliError) before any database is opened. */
export function prepareCommand(line: CommandLine, config: Config): Run {
  return COMMANDS[line.command](line.flags, config);
}
