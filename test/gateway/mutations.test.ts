import {
  CreateCustomerDocument,
  DeleteCustomerDocument,
  GetCustomerDocument,
  UpdateCustomerDocument,
} from '../generated/graphql';
import type { CreateCustomerMutationVariables } from '../generated/graphql';
import { useGateway } from '../helpers/gateway';

type CreateInput = CreateCustomerMutationVariables['input'];

// One gateway and one tenant for the file: every test makes customers of its own.
const { gw, tenant } = useGateway();

describe('customer lifecycle', () => {

  const create = async (input: CreateInput) => {
    const res = await gw.gql(CreateCustomerDocument, { input }, { key: tenant.key });
    expect(res.body.errors).toBeUndefined();
    const customer = res.body.data?.createCustomer;
    if (!customer) throw new Error('no customer created');
    return customer;
  };

  test('createCustomer stores every field, trims strings, keeps case, and defaults isBusiness to false', async () => {
    const customer = await create({
      name: '  Aminata Diop ',
      email: 'Aminata.Diop@Example.com',
      phoneNumber: '+221771234567',
      whatsappNumber: ' +221771234568 ',
      country: 'Senegal',
      city: 'Dakar',
      address: '123 Main Street',
      postalCode: '12345',
      metadata: { custom_field: 'value', nested: { tier: 2 } },
    });
    expect(customer).toMatchObject({
      name: 'Aminata Diop',
      email: 'Aminata.Diop@Example.com',
      phoneNumber: '+221771234567',
      whatsappNumber: '+221771234568',
      country: 'Senegal',
      city: 'Dakar',
      address: '123 Main Street',
      postalCode: '12345',
      isBusiness: false,
      metadata: { custom_field: 'value', nested: { tier: 2 } },
      environment: 'TEST',
    });
    expect(customer.createdAt).toBe(customer.updatedAt);
    const read = await gw.gql(GetCustomerDocument, { id: customer.id }, { key: tenant.key });
    expect(read.body.data?.customer).toEqual(customer);
  });

  test('absent and blank optional fields are null, never empty strings', async () => {
    const customer = await create({ name: 'Only Name', country: '   ', isBusiness: true });
    expect(customer).toMatchObject({ email: null, phoneNumber: null, country: null, city: null, metadata: null, isBusiness: true });
  });

  test('updateCustomer changes only the fields present; null clears an optional field', async () => {
    const before = await create({ name: 'Patch Me', email: 'p@example.com', city: 'Dakar', metadata: { a: 1 } });
    const res = await gw.gql(UpdateCustomerDocument, { id: before.id, input: { email: null, phoneNumber: '+2250701020304' } }, { key: tenant.key });
    const after = res.body.data?.updateCustomer;
    expect(after).toMatchObject({ name: 'Patch Me', email: null, phoneNumber: '+2250701020304', city: 'Dakar', metadata: { a: 1 } });
    expect(after?.createdAt).toBe(before.createdAt);
    expect(new Date(after?.updatedAt ?? 0).getTime()).toBeGreaterThan(new Date(before.updatedAt).getTime());
  });

  test('metadata is replaced whole; {} stays {}', async () => {
    const before = await create({ name: 'Meta', metadata: { a: 1, b: 2 } });
    const replaced = await gw.gql(UpdateCustomerDocument, { id: before.id, input: { metadata: { c: 3 } } }, { key: tenant.key });
    expect(replaced.body.data?.updateCustomer.metadata).toEqual({ c: 3 });
    const emptied = await gw.gql(UpdateCustomerDocument, { id: before.id, input: { metadata: {} } }, { key: tenant.key });
    expect(emptied.body.data?.updateCustomer.metadata).toEqual({});
  });

  test('an empty input returns the customer unchanged', async () => {
    const before = await create({ name: 'Unchanged', city: 'Thiès' });
    const res = await gw.gql(UpdateCustomerDocument, { id: before.id, input: {} }, { key: tenant.key });
    expect(res.body.data?.updateCustomer).toEqual(before);
  });

  test('null or blank name, and null isBusiness, are BAD_USER_INPUT and change nothing', async () => {
    const before = await create({ name: 'Keep Me' });
    for (const [input, message] of [
      [{ name: null }, 'name cannot be null'],
      [{ name: '   ' }, 'name must not be blank'],
      [{ isBusiness: null }, 'isBusiness cannot be null'],
    ] as const) {
      const res = await gw.gql(UpdateCustomerDocument, { id: before.id, input }, { key: tenant.key });
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT' } });
    }
    const read = await gw.gql(GetCustomerDocument, { id: before.id }, { key: tenant.key });
    expect(read.body.data?.customer).toEqual(before);
  });

  test('deleteCustomer soft-deletes; the customer disappears; a second delete is NOT_FOUND', async () => {
    const customer = await create({ name: 'Delete Me' });
    const first = await gw.gql(DeleteCustomerDocument, { id: customer.id }, { key: tenant.key });
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data).toEqual({ deleteCustomer: { id: customer.id, message: 'Customer deleted successfully' } });
    const message = `Customer with ID ${customer.id} not found or access denied`;
    const read = await gw.gql(GetCustomerDocument, { id: customer.id }, { key: tenant.key });
    expect(read.body).toMatchObject({ data: { customer: null }, errors: [{ message, extensions: { code: 'NOT_FOUND' } }] });
    const again = await gw.gql(DeleteCustomerDocument, { id: customer.id }, { key: tenant.key });
    expect(again.body.errors?.[0]).toMatchObject({ message, extensions: { code: 'NOT_FOUND' } });
    const update = await gw.gql(UpdateCustomerDocument, { id: customer.id, input: { name: 'Back' } }, { key: tenant.key });
    expect(update.body.errors?.[0]).toMatchObject({ message, extensions: { code: 'NOT_FOUND' } });
  });

  test('a missing customer is NOT_FOUND with data.customer null', async () => {
    const id = '3f1e9a52-1111-4aaa-8bbb-123456789abc';
    const res = await gw.gql(GetCustomerDocument, { id }, { key: tenant.key });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ customer: null });
    expect(res.body.errors).toEqual([
      expect.objectContaining({ message: `Customer with ID ${id} not found or access denied`, path: ['customer'], extensions: { code: 'NOT_FOUND' } }),
    ]);
  });

  test('a malformed id is BAD_USER_INPUT "id must be a UUID" everywhere', async () => {
    for (const id of ['abc', "1' or '1'='1", '', '123e4567-e89b-12d3-a456-42661417400g']) {
      const responses = [
        await gw.gql(GetCustomerDocument, { id }, { key: tenant.key }),
        await gw.gql(UpdateCustomerDocument, { id, input: { name: 'x' } }, { key: tenant.key }),
        await gw.gql(DeleteCustomerDocument, { id }, { key: tenant.key }),
      ];
      for (const res of responses) {
        expect(res.body.errors?.[0]).toMatchObject({ message: 'id must be a UUID', extensions: { code: 'BAD_USER_INPUT' } });
      }
    }
  });
});

describe('input validation', () => {

  const errorsFor = async (input: Record<string, unknown>) => {
    const res = await gw.gql(CreateCustomerDocument, { input: input as CreateInput }, { key: tenant.key });
    expect(res.status).toBe(200);
    return res.body.errors?.[0];
  };

  test.each([
    [{ name: '' }, 'name', 'name must not be blank'],
    [{ name: '   ' }, 'name', 'name must not be blank'],
    [{ name: 'x'.repeat(201) }, 'name', 'name must be shorter than or equal to 200 characters'],
    [{ name: 'A', email: 'not-an-email' }, 'email', 'email must be an email'],
    [{ name: 'A', email: `${'a'.repeat(250)}@example.com` }, 'email', 'email must be shorter than or equal to 254 characters'],
    [{ name: 'A', phoneNumber: '771234567' }, 'phoneNumber', 'phoneNumber must be an E.164 phone number'],
    [{ name: 'A', whatsappNumber: '+0771234567' }, 'whatsappNumber', 'whatsappNumber must be an E.164 phone number'],
    [{ name: 'A', country: 'x'.repeat(101) }, 'country', 'country must be shorter than or equal to 100 characters'],
    [{ name: 'A', city: 'x'.repeat(101) }, 'city', 'city must be shorter than or equal to 100 characters'],
    [{ name: 'A', address: 'x'.repeat(301) }, 'address', 'address must be shorter than or equal to 300 characters'],
    [{ name: 'A', postalCode: 'x'.repeat(21) }, 'postalCode', 'postalCode must be shorter than or equal to 20 characters'],
    [{ name: 'A', metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) }, 'metadata', 'metadata must have at most 50 keys'],
    [{ name: 'A', metadata: { ['k'.repeat(41)]: 1 } }, 'metadata', 'metadata keys must be 1-40 characters long'],
    [{ name: 'A', metadata: { '': 1 } }, 'metadata', 'metadata keys must be 1-40 characters long'],
    [{ name: 'A', metadata: { big: 'x'.repeat(9000) } }, 'metadata', 'metadata must be at most 8 KB as JSON'],
    [{ name: 'A', metadata: { a: { b: { c: { d: { e: { f: 1 } } } } } } }, 'metadata', 'metadata must be nested at most 5 levels deep'],
  ])('refuses input #%# on $1', async (input, field, message) => {
    const error = await errorsFor(input);
    expect(error).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT', validationErrors: [{ field, message }] } });
  });

  test('every failing field is reported, messages joined', async () => {
    const error = await errorsFor({ name: ' ', email: 'nope', phoneNumber: '12' });
    expect(error?.extensions?.validationErrors).toEqual([
      { field: 'name', message: 'name must not be blank' },
      { field: 'email', message: 'email must be an email' },
      { field: 'phoneNumber', message: 'phoneNumber must be an E.164 phone number' },
    ]);
    expect(error?.message).toBe('name must not be blank; email must be an email; phoneNumber must be an E.164 phone number');
  });

  test('metadata that is not an object is refused before any resolver runs', async () => {
    for (const metadata of [[1, 2], 'text', 42]) {
      const res = await gw.gql(CreateCustomerDocument, { input: { name: 'A', metadata: metadata as never } }, { key: tenant.key });
      expect(res.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  test('odd input never produces an internal error', async () => {
    const odd = ['\u0000', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', "'; drop table customers; --", '%_\\', '\uD800'];
    for (const value of odd) {
      const res = await gw.gql(CreateCustomerDocument, { input: { name: `N ${value}`, city: value, metadata: { [value.slice(0, 1) || 'k']: value } } }, { key: tenant.key });
      const codes = (res.body.errors ?? []).map((e) => e.extensions?.code);
      expect(codes).not.toContain('INTERNAL_SERVER_ERROR');
    }
    const search = await gw.gql('query($s: String) { customers(search: $s) { pagination { totalCount } } }', { s: '\u0000%_\\' }, { key: tenant.key });
    expect((search.body.errors ?? []).map((e) => e.extensions?.code)).not.toContain('INTERNAL_SERVER_ERROR');
  });
});
