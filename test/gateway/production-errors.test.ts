import type { TestGateway } from '../helpers/gateway';
import { startGateway } from '../helpers/gateway';

const MISTYPED = '{ customers { customers { nme } } }';

describe('errors that would reveal the schema', () => {
  let dev: TestGateway;
  let prod: TestGateway;
  beforeAll(async () => {
    dev = await startGateway();
    prod = await startGateway({ NODE_ENV: 'production' }, { database: dev.db.inner });
  });
  afterAll(async () => {
    await prod.server.stop();
    await dev.close();
  });

  test('in development a mistyped field gets "Did you mean ...?" (the schema is public there)', async () => {
    const { key } = await dev.tenantWithKey();
    const res = await dev.gql(MISTYPED, undefined, { key });
    expect(res.body.errors?.[0].message).toMatch(/Did you mean "name"\?/);
  });

  test('in production it does not: the field is named unknown, nothing is suggested', async () => {
    const { key } = await dev.tenantWithKey();
    const res = await prod.gql(MISTYPED, undefined, { key });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.body.errors?.[0].message).toContain('Cannot query field "nme"');
    expect(JSON.stringify(res.body)).not.toMatch(/did you mean/i);
  });

  test('the introspection refusal names GRAPHQL_INTROSPECTION, not a constructor option', async () => {
    const res = await prod.gql('{ __schema { types { name } } }');
    expect(res.status).toBe(400);
    const [error] = res.body.errors ?? [];
    expect(error.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(error.message).toContain('GRAPHQL_INTROSPECTION=true');
    expect(error.message).not.toContain('ApolloServer');
  });
});
