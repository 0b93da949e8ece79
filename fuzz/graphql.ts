import type {
  GraphQLArgument,
  GraphQLField,
  GraphQLInputType,
  GraphQLNamedType,
  GraphQLObjectType,
  GraphQLSchema,
} from 'graphql';
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from 'graphql';
import type { IdPools } from './pools';
import * as pools from './pools';
import type { Random } from './random';
import type { Value } from './values';
import { Deep, EnumName, toLiteral } from './values';

/** One GraphQL request: what goes in the JSON body (or the GET query string). */
export interface GraphQLRequest {
  query: string;
  variables?: Record<string, Value>;
  operationName?: string;
}

interface Variable {
  name: string;
  type: string;
  value: Value | undefined;
}

/**
 * Operations generated from the emitted schema: every root field, argument and output field
 * is reachable; values come from the hostile pools or are plausible for the field they fill,
 * so well-formed requests also reach the database.
 */
export class GraphQLGenerator {
  constructor(
    private readonly schema: GraphQLSchema,
    private readonly ids: IdPools,
  ) {}

  request(rng: Random): GraphQLRequest {
    const variables: Variable[] = [];
    const root = rng.weighted<GraphQLObjectType | null | undefined>([
      [6, this.schema.getQueryType()],
      [4, this.schema.getMutationType()],
    ]);
    if (!root) return { query: '{ __typename }' };
    const kind = root === this.schema.getMutationType() ? 'mutation' : 'query';
    const fields = Object.values(root.getFields());
    const chosen = rng.chance(0.85) ? [rng.pick(fields)] : rng.some(fields, 1, 3);
    const selections = chosen.map((field) => this.field(rng, field, variables, 0));
    if (rng.chance(0.05)) selections.push('__typename');
    if (rng.chance(0.03)) selections.push(rng.pick(['unknownField', 'customer', 'id', '__schema { queryType { name } }']));
    const operationName = rng.chance(0.6) ? rng.pick(['Fuzz', 'Op_1', 'query', 'A'.repeat(300), 'fuzzOperation']) : undefined;
    const declared = variables.map((v) => `$${v.name}: ${v.type}`).join(', ');
    const head = `${kind}${operationName ? ` ${operationName}` : ''}${declared ? `(${declared})` : ''}`;
    let query = `${head} { ${selections.join(' ')} }`;
    if (kind === 'query' && !operationName && !declared && rng.chance(0.3)) query = `{ ${selections.join(' ')} }`;
    const values = Object.fromEntries(variables.filter((v) => v.value !== undefined).map((v) => [v.name, v.value as Value]));
    return {
      query,
      variables: Object.keys(values).length || rng.chance(0.5) ? values : undefined,
      operationName: operationName && rng.chance(0.9) ? operationName : rng.chance(0.05) ? 'Other' : undefined,
    };
  }

  private field(rng: Random, field: GraphQLField<unknown, unknown>, variables: Variable[], depth: number): string {
    const alias = rng.chance(0.1) ? `${rng.pick(['a', 'b', 'x_1', 'customer'])}: ` : '';
    const args = field.args
      .filter((arg) => isNonNullType(arg.type) ? rng.chance(0.97) : rng.chance(0.5))
      .map((arg) => `${arg.name}: ${this.argument(rng, arg, variables)}`);
    if (rng.chance(0.03)) args.push(`${rng.pick(['unknown', 'first', 'id', 'limit'])}: 1`);
    const named = getNamedType(field.type);
    const selection = isObjectType(named) ? ` { ${this.selection(rng, named, variables, depth + 1)} }` : '';
    const directive = rng.chance(0.05) ? ` @${rng.pick(['include', 'skip'])}(if: ${rng.pick(['true', 'false', '"yes"', '1'])})` : '';
    return `${alias}${field.name}${args.length ? `(${args.join(', ')})` : ''}${directive}${selection}`;
  }

  private selection(rng: Random, type: GraphQLObjectType, variables: Variable[], depth: number): string {
    const fields = Object.values(type.getFields()).filter((field) => depth < 3 || !isObjectType(getNamedType(field.type)));
    const picked = rng.some(fields, 1, Math.max(1, fields.length));
    const parts = picked.map((field) => this.field(rng, field, variables, depth));
    if (rng.chance(0.1)) parts.push('__typename');
    if (rng.chance(0.05)) parts.push(`... on ${type.name} { __typename }`);
    return parts.join(' ');
  }

  /** An argument's value: inline, or through a variable (sometimes declared with a wrong type). */
  private argument(rng: Random, arg: GraphQLArgument, variables: Variable[]): string {
    const value = this.value(rng, arg.type, arg.name);
    if (rng.chance(0.5) && !(value instanceof Deep && rng.chance(0.5))) {
      const name = `v${variables.length}`;
      const type = rng.chance(0.94) ? String(arg.type) : rng.pick(['String', 'Int!', 'ID', 'JSONObject', '[String]', 'Unknown', 'Boolean!']);
      variables.push({ name, type, value: rng.chance(0.03) ? undefined : value });
      return `$${name}`;
    }
    return toLiteral(value);
  }

  /** A value for an input type: mostly of that type, plausible or hostile, sometimes of another. */
  value(rng: Random, type: GraphQLInputType, field: string): Value {
    if (rng.chance(0.08)) return pools.hostileValue(rng);
    if (isNonNullType(type)) return rng.chance(0.02) ? null : this.value(rng, type.ofType, field);
    if (rng.chance(0.05)) return null;
    const nullable = getNullableType(type);
    if (isListType(nullable)) return Array.from({ length: rng.int(0, 3) }, () => this.value(rng, nullable.ofType, field));
    return this.named(rng, nullable, field);
  }

  private named(rng: Random, type: GraphQLNamedType, field: string): Value {
    if (isEnumType(type)) {
      const values = type.getValues().map((v) => v.name);
      return rng.chance(0.85) ? new EnumName(rng.pick(values)) : new EnumName(rng.pick(['ROBOTS', 'all', 'Active', '_', 'null']));
    }
    if (isInputObjectType(type)) {
      const object: { [key: string]: Value } = {};
      for (const inner of Object.values(type.getFields())) {
        if (isNonNullType(inner.type) ? rng.chance(0.95) : rng.chance(0.4)) object[inner.name] = this.value(rng, inner.type, inner.name);
      }
      if (rng.chance(0.04)) object[rng.pick(['phone_number', 'customer_id', 'unknown', '__proto__'])] = 'x';
      return object;
    }
    if (isScalarType(type)) return this.scalar(rng, type.name, field);
    return null;
  }

  private scalar(rng: Random, scalar: string, field: string): Value {
    switch (scalar) {
      case 'ID':
        return rng.chance(0.95) ? pools.id(rng, this.ids) : rng.int(0, 10);
      case 'Int':
        return pools.integer(rng);
      case 'Float':
        return rng.pick(pools.NUMBERS);
      case 'Boolean':
        return rng.chance(0.9) ? rng.chance(0.5) : rng.pick(['true', 0, 1]);
      case 'JSONObject':
        return rng.chance(0.15) ? pools.hostileValue(rng) : pools.jsonObject(rng);
      default:
        return this.text(rng, field);
    }
  }

  /** Text for a field, plausible for it more often than not. */
  private text(rng: Random, field: string): string {
    if (rng.chance(0.45)) return pools.hostileString(rng);
    if (field === 'email') return rng.pick(pools.EMAILS);
    if (/phone|whatsapp/i.test(field)) return rng.pick(pools.PHONES);
    if (field === 'name') return pools.name(rng);
    if (field === 'search') return rng.pick(['a', 'diop', 'é', '%', '_', 'fuzz', '']);
    return rng.pick(['Dakar', 'Senegal', '12345', '123 Main Street', 'Abidjan', 'x']);
  }
}
