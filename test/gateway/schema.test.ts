import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { GraphQLNamedType } from 'graphql';
import { buildSchema, findBreakingChanges, isEnumType, isInputObjectType, isObjectType } from 'graphql';
import type { GraphQLField } from 'graphql';
import { ActivityStatus } from '../../src/customers/enums';
import { buildGatewaySchema, emittedSdl } from '../../src/schema';

const root = path.resolve(__dirname, '../..');
// The contract version this project serves, kept in the repository (a clone has nothing beside it).
const contractFile = path.join(root, 'schema/contract.graphql');
const committedFile = path.join(root, 'schema/schema.graphql');

describe('the emitted schema', () => {
  test('is a compatible superset of the contract it serves (schema/contract.graphql)', async () => {
    const contract = buildSchema(readFileSync(contractFile, 'utf8'));
    const emitted = buildSchema(await emittedSdl());
    expect(findBreakingChanges(contract, emitted)).toEqual([]);
  });

  test('carries the contract\'s descriptions (they are part of the contract): each is part of the emitted one', async () => {
    const contract = buildSchema(readFileSync(contractFile, 'utf8'));
    const emitted = buildSchema(await emittedSdl());
    const differing: string[] = [];
    const check = (where: string, promised: string | null | undefined, actual: string | null | undefined) => {
      if (promised && !(actual ?? '').includes(promised)) differing.push(where);
    };
    // these two scalars come with the descriptions their libraries (type-graphql, graphql-scalars) give them
    const libraryScalars = new Set(['DateTimeISO', 'JSONObject']);
    for (const type of Object.values(contract.getTypeMap()).filter((t) => !t.name.startsWith('__'))) {
      if (libraryScalars.has(type.name)) continue;
      const served = emitted.getType(type.name);
      check(type.name, type.description, served?.description);
      if ((isObjectType(type) || isInputObjectType(type)) && (isObjectType(served) || isInputObjectType(served))) {
        const servedFields = served.getFields();
        for (const field of Object.values(type.getFields())) {
          const servedField = servedFields[field.name];
          check(`${type.name}.${field.name}`, field.description, servedField?.description);
          for (const arg of 'args' in field ? field.args : []) {
            const servedArg = servedField && 'args' in servedField ? servedField.args.find((a) => a.name === arg.name) : undefined;
            check(`${type.name}.${field.name}(${arg.name})`, arg.description, servedArg?.description);
          }
        }
      }
    }
    expect(differing).toEqual([]);
  });

  test('is what schema/schema.graphql holds (run `npm run schema:emit` after changing the code)', async () => {
    expect(readFileSync(committedFile, 'utf8')).toBe(await emittedSdl());
  });

  test('describes every type, field, argument and enum value', async () => {
    const schema = buildSchema(await emittedSdl());
    const missing: string[] = [];
    const own = (type: GraphQLNamedType) => !type.name.startsWith('__');
    for (const type of Object.values(schema.getTypeMap()).filter(own)) {
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) {
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
      }
    }
    // built-in scalars carry graphql-js's own descriptions
    expect(missing.filter((name) => !['String', 'Boolean', 'Int', 'Float', 'ID'].includes(name))).toEqual([]);
  });

  test('keeps, through the federation build (an SDL round trip), what TypeGraphQL put on its objects', async () => {
    const schema = await buildGatewaySchema();
    const customers = schema.getQueryType()?.getFields().customers;
    // a default given as an enum reaches the resolver as the enum's value, not its name
    expect(customers?.args.find((arg) => arg.name === 'status')?.defaultValue).toBe(ActivityStatus.ALL);
    // field extensions (TypeGraphQL's complexity, any @Extensions) stay for whoever reads them
    const customer = schema.getType('Customer');
    const name: GraphQLField<unknown, unknown> | undefined = isObjectType(customer) ? customer.getFields().name : undefined;
    expect(name?.extensions).toHaveProperty('complexity');
  });
});
