import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { graphql } from './gql';

/** An Apollo Client for the gateway; every request carries the API key. */
export function createClient(apiKey: string, uri = 'http://localhost:4000/graphql'): ApolloClient {
  return new ApolloClient({
    link: new HttpLink({ uri, headers: { 'x-api-key': apiKey } }),
    cache: new InMemoryCache(),
  });
}

// graphql() returns a typed document: the result and variables types come from the schema.
export const CustomersQuery = graphql(`
  query Customers($search: String, $pageSize: Int) {
    customers(search: $search, pageSize: $pageSize) {
      customers {
        id
        name
        email
        createdAt
        metadata
      }
      pagination {
        totalCount
      }
    }
  }
`);

export const CreateCustomer = graphql(`
  mutation CreateCustomer($input: CreateCustomerInput!) {
    createCustomer(input: $input) {
      id
      name
      createdAt
    }
  }
`);

export interface CustomerSummary {
  id: string;
  name: string;
  email: string | null;
  createdAt: Date;
  plan: unknown;
}

export async function searchCustomers(client: ApolloClient, search: string): Promise<{ customers: CustomerSummary[]; total: number }> {
  const { data } = await client.query({ query: CustomersQuery, variables: { search, pageSize: 10 } });
  const page = data?.customers;
  return {
    total: page?.pagination.totalCount ?? 0,
    customers: (page?.customers ?? []).map((customer) => {
      const createdAt: string = customer.createdAt; // DateTimeISO arrives as a string
      const metadata: Record<string, unknown> | null | undefined = customer.metadata; // JSONObject as a record
      return { id: customer.id, name: customer.name, email: customer.email ?? null, createdAt: new Date(createdAt), plan: metadata?.plan };
    }),
  };
}

export async function addCustomer(client: ApolloClient, name: string, email: string): Promise<string> {
  const { data } = await client.mutate({ mutation: CreateCustomer, variables: { input: { name, email } } });
  if (!data) throw new Error('no customer created');
  return data.createCustomer.id;
}
