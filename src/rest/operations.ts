import { CUSTOMER_FIELDS } from './fields';

/**
 * The fixed GraphQL operations the REST endpoints run. Each goes through the whole Apollo
 * pipeline (plugins, validation, resolvers, error formatting), so REST and GraphQL share
 * authentication, tenancy, rules, limits and masking. Sent as strings so Apollo's document
 * cache parses and validates each once.
 */
const CUSTOMER_FRAGMENT = `fragment RestCustomer on Customer { ${CUSTOMER_FIELDS.map((field) => field.graphql).join(' ')} }`;

export interface RestOperation {
  readonly operationName: string;
  readonly query: string;
}

function operation(operationName: string, body: string): RestOperation {
  return { operationName, query: `${body}\n${body.includes('...RestCustomer') ? CUSTOMER_FRAGMENT : ''}` };
}

export const OPERATIONS = {
  list: operation(
    'RestListCustomers',
    `query RestListCustomers($search: String, $type: CustomerType, $status: ActivityStatus, $page: Int, $pageSize: Int) {
  customers(search: $search, type: $type, status: $status, page: $page, pageSize: $pageSize) {
    customers { ...RestCustomer }
    pagination { page pageSize totalCount totalPages }
  }
}`,
  ),
  get: operation('RestGetCustomer', `query RestGetCustomer($id: ID!) { customer(id: $id) { ...RestCustomer } }`),
  create: operation(
    'RestCreateCustomer',
    `mutation RestCreateCustomer($input: CreateCustomerInput!) { createCustomer(input: $input) { ...RestCustomer } }`,
  ),
  update: operation(
    'RestUpdateCustomer',
    `mutation RestUpdateCustomer($id: ID!, $input: UpdateCustomerInput!) { updateCustomer(id: $id, input: $input) { ...RestCustomer } }`,
  ),
  delete: operation('RestDeleteCustomer', `mutation RestDeleteCustomer($id: ID!) { deleteCustomer(id: $id) { id message } }`),
  // Checks the customer is the caller's (and counts against the limits); see the transactions route.
  customerExists: operation('RestCustomerExists', `query RestCustomerExists($id: ID!) { customer(id: $id) { id } }`),
} as const;
