import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { Field, ObjectType } from 'type-graphql';

/** An exact decimal in plain notation: optional minus, digits, optional fraction. */
const DECIMAL = /^-?\d{1,64}(\.\d{1,64})?$/;

function decimalText(value: unknown, what: string): string {
  // A JavaScript number here would mean a float slipped onto the money path: refuse it.
  if (typeof value !== 'string' || !DECIMAL.test(value)) throw new GraphQLError(`${what}: a Decimal is a string of digits such as "10000.00"`);
  return value;
}

/**
 * Decimals travel as JSON strings, exactly as the database wrote them. Serialising accepts
 * only such strings, so a float reaching this scalar is an error, not a silent rounding.
 */
export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  description: 'An exact decimal number written as a JSON string, e.g. "10000.00" or "0.10". Never a binary float.',
  serialize: (value) => decimalText(value, 'Decimal cannot represent this value'),
  parseValue: (value) => decimalText(value, 'Decimal cannot represent this value'),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('A Decimal is written as a string, e.g. "10000.00"');
    return decimalText(ast.value, 'Decimal cannot represent this value');
  },
});

@ObjectType({ simpleResolvers: true, description: 'An amount of money in one currency, exact.' })
export class Money {
  @Field(() => DecimalScalar, {
    description:
      'The amount in the currency\'s main unit, exactly as stored (numeric(15,2): always two decimals), e.g. "10000.00" (XOF), "972.35" (USD).',
  })
  amount!: string;

  @Field(() => String, { description: 'ISO 4217 code, e.g. XOF.' })
  currencyCode!: string;
}
