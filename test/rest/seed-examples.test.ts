import axios from 'axios';
import { useGateway } from '../helpers/gateway';
import { addCustomer, addTransaction, minutesAgo } from '../helpers/customers';
import { asArray, asRecord, curlCommands, rest, runCurl, shapeDifferences } from './helpers';
import {
  SEED_BASE_URL,
  SEED_CURL,
  SEED_CUSTOMER,
  SEED_CUSTOMER_ID,
  SEED_DELETE,
  SEED_KEY,
  SEED_LIST,
  SEED_TRANSACTION,
} from './seed';

// live, as in the seed's examples
const { gw, tenant } = useGateway({}, { environment: 'live' });
/** A customer named John with two settled transactions (and a pending one that must not show). */
let johnId: string;

beforeAll(async () => {
  const john = await addCustomer(gw.db.inner, tenant, { name: 'John Smith', email: 'john.smith@example.com' });
  johnId = john.customer_id;
  await addTransaction(gw.db.inner, tenant, johnId, { amount: 10000, description: 'Payment for Product A', createdAt: minutesAgo(10) });
  await addTransaction(gw.db.inner, tenant, johnId, { amount: 5000, description: 'Subscription Renewal', createdAt: minutesAgo(60) });
  await addTransaction(gw.db.inner, tenant, johnId, { status: 'pending', createdAt: minutesAgo(5) });
  await addCustomer(gw.db.inner, tenant, { name: 'Mary Jones', email: 'mary@example.com' });
});

describe('the seed cURL examples, run with curl', () => {
  const commands = new Map(curlCommands(SEED_CURL).map(({ title, command }) => [title, command]));
  const seed = { baseUrl: SEED_BASE_URL, key: SEED_KEY, customerId: SEED_CUSTOMER_ID };
  const curl = (title: string, customerId?: string) => {
    const command = commands.get(title);
    if (!command) throw new Error(`no seed example "${title}"`);
    return runCurl(command, { baseUrl: gw.url, key: tenant.key, customerId }, seed);
  };
  let createdId: string;

  test('the section has the six examples', () => {
    expect([...commands.keys()]).toEqual([
      'List customers with search and filtering',
      'Get a specific customer',
      'Create a customer',
      'Update a customer',
      'Delete a customer',
      'Get customer transactions',
    ]);
  });

  test('List customers with search and filtering', async () => {
    const { status, body } = await curl('List customers with search and filtering');
    expect(status).toBe(200);
    expect(shapeDifferences(body, SEED_LIST)).toEqual([]);
    const page = asRecord(body);
    // search=john and status=active: John (settled transactions), not Mary
    expect(asArray(page.customers).map((c) => asRecord(c).name)).toEqual(['John Smith']);
    expect(page.pagination).toEqual({ page: 1, pageSize: 50, totalCount: 1, totalPages: 1 });
  });

  test('Get a specific customer', async () => {
    const { status, body } = await curl('Get a specific customer', johnId);
    expect(status).toBe(200);
    expect(shapeDifferences(body, SEED_CUSTOMER)).toEqual([]);
    expect(body).toMatchObject({ customer_id: johnId, organization_id: tenant.organizationId, name: 'John Smith', environment: 'live' });
  });

  test('Create a customer', async () => {
    const { status, body } = await curl('Create a customer');
    expect(status).toBe(201);
    expect(shapeDifferences(body, SEED_CUSTOMER)).toEqual([]);
    expect(body).toMatchObject({
      organization_id: tenant.organizationId,
      name: 'John Doe',
      email: 'john.doe@example.com',
      phone_number: '+221771234567',
      whatsapp_number: null,
      country: 'Senegal',
      city: 'Dakar',
      address: null,
      postal_code: null,
      is_business: false,
      metadata: null,
      environment: 'live',
    });
    createdId = String(asRecord(body).customer_id);
  });

  test('Update a customer', async () => {
    const { status, body } = await curl('Update a customer', createdId);
    expect(status).toBe(200);
    expect(shapeDifferences(body, SEED_CUSTOMER)).toEqual([]);
    // only the email changed
    expect(body).toMatchObject({ customer_id: createdId, email: 'new.email@example.com', name: 'John Doe', phone_number: '+221771234567' });
  });

  test('Delete a customer', async () => {
    const { status, body } = await curl('Delete a customer', createdId);
    expect(status).toBe(200);
    expect(body).toEqual(SEED_DELETE);
    expect((await rest(gw, 'GET', `/customers/${createdId}`, { key: tenant.key })).status).toBe(404);
  });

  test('Get customer transactions', async () => {
    const { status, body } = await curl('Get customer transactions', johnId);
    expect(status).toBe(200);
    expect(shapeDifferences(body, [SEED_TRANSACTION])).toEqual([]);
    expect(body).toEqual([
      expect.objectContaining({ description: 'Payment for Product A', gross_amount: 10000, currency_code: 'XOF', status: 'completed' }),
      expect.objectContaining({ description: 'Subscription Renewal', gross_amount: 5000, currency_code: 'XOF', status: 'completed' }),
    ]);
  });
});

describe('the seed axios examples', () => {
  // The seed's TypeScript example, verbatim but for these two values.
  let apiKey: string;
  let baseURL: string;
  beforeAll(() => {
    apiKey = tenant.key;
    baseURL = gw.url;
  });

  // List all active customers
  const listCustomers = async () => {
    const response = await axios.get(`${baseURL}/customers`, {
      headers: { 'x-api-key': apiKey },
      params: {
        status: 'active',
        page: 1,
        pageSize: 50
      }
    });
    return response.data;
  };

  // Get a specific customer
  const getCustomer = async (customerId: string) => {
    const response = await axios.get(`${baseURL}/customers/${customerId}`, {
      headers: { 'x-api-key': apiKey }
    });
    return response.data;
  };

  // Create a new customer
  const createCustomer = async () => {
    const response = await axios.post(`${baseURL}/customers`, {
      name: 'John Doe',
      email: 'john.doe@example.com',
      phone_number: '+221771234567',
      country: 'Senegal',
      city: 'Dakar',
      is_business: false
    }, {
      headers: { 'x-api-key': apiKey }
    });
    return response.data;
  };

  // Update a customer
  const updateCustomer = async (customerId: string) => {
    const response = await axios.patch(`${baseURL}/customers/${customerId}`, {
      email: 'new.email@example.com',
      metadata: { vip: true }
    }, {
      headers: { 'x-api-key': apiKey }
    });
    return response.data;
  };

  // Get customer transactions
  const getCustomerTransactions = async (customerId: string) => {
    const response = await axios.get(`${baseURL}/customers/${customerId}/transactions`, {
      headers: { 'x-api-key': apiKey }
    });
    return response.data;
  };

  let createdId: string;

  test('listCustomers', async () => {
    const data: unknown = await listCustomers();
    expect(shapeDifferences(data, SEED_LIST)).toEqual([]);
    const names = asArray(asRecord(data).customers).map((c) => asRecord(c).name);
    expect(names).toContain('John Smith');
    expect(names).not.toContain('Mary Jones');
  });

  test('getCustomer', async () => {
    const data: unknown = await getCustomer(johnId);
    expect(shapeDifferences(data, SEED_CUSTOMER)).toEqual([]);
    expect(asRecord(data).customer_id).toBe(johnId);
  });

  test('createCustomer', async () => {
    const data: unknown = await createCustomer();
    expect(shapeDifferences(data, SEED_CUSTOMER)).toEqual([]);
    expect(data).toMatchObject({ name: 'John Doe', email: 'john.doe@example.com', is_business: false, environment: 'live' });
    createdId = String(asRecord(data).customer_id);
  });

  test('updateCustomer', async () => {
    const data: unknown = await updateCustomer(createdId);
    expect(shapeDifferences(data, SEED_CUSTOMER)).toEqual([]);
    expect(data).toMatchObject({ customer_id: createdId, email: 'new.email@example.com', metadata: { vip: true }, city: 'Dakar' });
  });

  test('getCustomerTransactions', async () => {
    const data: unknown = await getCustomerTransactions(johnId);
    expect(shapeDifferences(data, [SEED_TRANSACTION])).toEqual([]);
    expect(asArray(data)).toHaveLength(2);
  });

  test('axios rejects a 404 with the seed error body', async () => {
    const error: unknown = await getCustomer(SEED_CUSTOMER_ID).then(() => undefined, (e: unknown) => e);
    expect(axios.isAxiosError(error)).toBe(true);
    if (!axios.isAxiosError(error)) return;
    expect(error.response?.status).toBe(404);
    expect(error.response?.data).toEqual({ statusCode: 404, message: `Customer with ID ${SEED_CUSTOMER_ID} not found or access denied` });
  });
});
