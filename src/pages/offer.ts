import type { Request } from 'express';

/** What the pages put in the `x-api-key` header when they have no key to offer. */
export const PLACEHOLDER_KEY = 'YOUR_API_KEY';

/**
 * The worked example the explorer pages open with: a first page of customers with a few
 * transactions each. It uses only fields of the contract the gateway serves, and a test runs it.
 */
export const EXAMPLE_OPERATION = `# Customers of your key's organization and environment, newest first.
# Run it with the ▶ button; the x-api-key header is in the Headers tab.
query ExampleCustomers($search: String, $pageSize: Int) {
  customers(search: $search, pageSize: $pageSize) {
    customers {
      id
      name
      email
      country
      createdAt
      transactions(first: 3) {
        grossAmount
        currencyCode
        status
      }
    }
    pagination {
      totalCount
      totalPages
    }
  }
}
`;

export const EXAMPLE_VARIABLES: Readonly<Record<string, unknown>> = Object.freeze({ search: '', pageSize: 5 });

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * Which key a page served to this request starts with. The demo key (test environment, demo
 * data only) is offered to a browser on this machine only; anyone else gets the placeholder.
 * `req.ip` honours TRUST_PROXY, so a request relayed by a local proxy is judged by its client.
 */
export class KeyOffer {
  constructor(private readonly demoKey: string | undefined) {}

  keyFor(req: Request): string {
    return this.demoKey !== undefined && isLoopback(req.ip) ? this.demoKey : PLACEHOLDER_KEY;
  }
}
