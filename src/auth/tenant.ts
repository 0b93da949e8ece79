import type { EnvironmentName } from './api-keys';

/** Who is calling: the organization, merchant and environment of a verified API key. */
export interface Tenant {
  readonly organizationId: string;
  readonly merchantId: string;
  readonly environment: EnvironmentName;
  readonly apiKeyId: string;
}
