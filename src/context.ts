import type { Tenant } from './auth/tenant';
import { CustomerLoaders } from './customers/customer.loaders';
import { CustomerRepository } from './customers/customer.repository';
import type { Database } from './db/database';
import type { GraphQLError } from 'graphql';
import type { Logger } from './logger';

/** The outcome of authenticating a request: a tenant, or the error to answer with. */
export type AuthResult = { tenant: Tenant } | { error: GraphQLError | Error };

export interface GraphQLContext {
  readonly requestId: string;
  readonly log: Logger;
  readonly auth: AuthResult;
  /** The tenant's repository and loaders; throws the authentication error when there is none. */
  customers(): TenantServices;
}

export interface TenantServices {
  readonly tenant: Tenant;
  readonly repository: CustomerRepository;
  readonly loaders: CustomerLoaders;
}

/**
 * A request's context. The repository is bound to the authenticated tenant, so no resolver can
 * reach the database without its organization and environment; loaders are per request.
 */
export function createContext(db: Database, requestId: string, log: Logger, auth: AuthResult): GraphQLContext {
  let services: TenantServices | undefined;
  return {
    requestId,
    log,
    auth,
    customers() {
      if ('error' in auth) throw auth.error;
      if (!services) {
        const repository = new CustomerRepository(db, auth.tenant);
        services = { tenant: auth.tenant, repository, loaders: new CustomerLoaders(repository) };
      }
      return services;
    },
  };
}
