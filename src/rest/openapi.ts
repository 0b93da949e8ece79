import { getMetadataStorage } from 'class-validator';
import { CreateCustomerInput, UpdateCustomerInput } from '../customers/customer.input';
import { LIMITS } from '../validation/rules';
import type { FieldKind } from './fields';
import { BODY_FIELDS, BODY_KINDS, CUSTOMER_FIELDS } from './fields';
import type { RestRoute } from './routes';

export const OPENAPI_PATH = '/openapi.json';

type Schema = Record<string, unknown>;
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

const KIND_SCHEMAS: Readonly<Record<FieldKind, Schema>> = {
  uuid: { type: 'string', format: 'uuid' },
  string: { type: 'string' },
  nullableString: { type: ['string', 'null'] },
  boolean: { type: 'boolean' },
  metadata: { type: ['object', 'null'] },
  environment: { type: 'string', enum: ['live', 'test'] },
  dateTime: { type: 'string', format: 'date-time' },
};

/** The class-validator rules of an input class, by property: what its decorators declare. */
function rulesOf(input: new () => object): Map<string, Map<string, unknown>> {
  const rules = new Map<string, Map<string, unknown>>();
  for (const rule of getMetadataStorage().getTargetValidationMetadatas(input, '', true, false)) {
    const own = rules.get(rule.propertyName) ?? new Map<string, unknown>();
    own.set(rule.name ?? rule.type, rule.constraints?.[0]);
    rules.set(rule.propertyName, own);
  }
  return rules;
}

/**
 * A body's schema, derived from the input class the body parser validates with: lengths,
 * patterns and formats are its decorators' own, so the document cannot drift from the rules.
 * A field is nullable when the class lets it be absent or null (IsOptional); the others (a
 * create's name, an update's name and isBusiness) are required or only refuse null.
 */
function bodySchema(mode: 'create' | 'update'): Schema {
  const rules = rulesOf(mode === 'create' ? CreateCustomerInput : UpdateCustomerInput);
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const [rest, graphql] of BODY_FIELDS) {
    const own = rules.get(graphql) ?? new Map<string, unknown>();
    const kind = BODY_KINDS[graphql];
    const nullable = own.has('isOptional');
    const schema: Schema = { type: nullable ? [kind, 'null'] : kind };
    if (own.has('maxLength')) schema.maxLength = own.get('maxLength');
    if (own.has('notBlank')) schema.minLength = 1;
    if (own.has('isEmail')) schema.format = 'email';
    const pattern = own.get('matches');
    if (pattern instanceof RegExp) schema.pattern = pattern.source;
    // The GraphQL input's default (CreateCustomerInput.isBusiness).
    if (rest === 'is_business' && mode === 'create') schema.default = false;
    if (!nullable && !own.has('conditionalValidation')) required.push(rest);
    properties[rest] = schema;
  }
  return { type: 'object', additionalProperties: false, properties, ...(required.length > 0 ? { required } : {}) };
}

const SCHEMAS: Readonly<Record<string, Schema>> = {
  Customer: {
    type: 'object',
    additionalProperties: false,
    required: CUSTOMER_FIELDS.map((field) => field.rest),
    properties: Object.fromEntries(CUSTOMER_FIELDS.map((field) => [field.rest, { ...KIND_SCHEMAS[field.kind], description: field.description }])),
  },
  Pagination: {
    type: 'object',
    additionalProperties: false,
    required: ['page', 'pageSize', 'totalCount', 'totalPages'],
    properties: {
      page: { type: 'integer', minimum: 1 },
      pageSize: { type: 'integer', minimum: 1, maximum: LIMITS.maxPageSize },
      totalCount: { type: 'integer', minimum: 0 },
      totalPages: { type: 'integer', minimum: 0 },
    },
  },
  CustomerList: {
    type: 'object',
    additionalProperties: false,
    required: ['customers', 'pagination'],
    properties: { customers: { type: 'array', items: ref('Customer') }, pagination: ref('Pagination') },
  },
  Transaction: {
    type: 'object',
    additionalProperties: false,
    required: ['transaction_id', 'description', 'gross_amount', 'currency_code', 'created_at', 'status'],
    properties: {
      transaction_id: { type: 'string' },
      description: { type: ['string', 'null'] },
      gross_amount: { type: 'number', description: "Amount before fees in the currency's main unit." },
      currency_code: { type: 'string', description: 'ISO-4217 code, e.g. XOF.' },
      created_at: { type: 'string', format: 'date-time' },
      status: { type: 'string', enum: ['completed', 'refunded'] },
    },
  },
  TransactionList: { type: 'array', items: ref('Transaction') },
  CustomerChangeFeed: {
    type: 'object',
    additionalProperties: false,
    required: ['changes', 'cursor', 'hasMore'],
    properties: {
      changes: {
        type: 'array',
        description: 'Oldest change first; each customer at most once, in its latest state.',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'deleted', 'changedAt', 'customer'],
          properties: {
            id: { type: 'string', format: 'uuid', description: "The customer's id, whether it still exists or not." },
            deleted: { type: 'boolean', description: 'True when the customer is deleted or erased: remove it from local copies.' },
            changedAt: { type: 'string', format: 'date-time', description: 'When the change was made.' },
            customer: { oneOf: [ref('Customer'), { type: 'null' }], description: 'The customer as it is now; null when it is deleted or erased.' },
          },
        },
      },
      cursor: { type: 'string', description: 'Pass as since to get the changes after these ones. Opaque; bound to the API key\'s organization and environment.' },
      hasMore: { type: 'boolean', description: 'True when more changes are already waiting: ask again at once.' },
    },
  },
  CreateCustomerBody: bodySchema('create'),
  UpdateCustomerBody: bodySchema('update'),
  DeleteResult: {
    type: 'object',
    additionalProperties: false,
    required: ['message'],
    properties: { message: { type: 'string', const: 'Customer deleted successfully' } },
  },
  Error: {
    type: 'object',
    additionalProperties: false,
    required: ['statusCode', 'message'],
    properties: { statusCode: { type: 'integer' }, message: { type: 'string' } },
  },
  ValidationError: {
    type: 'object',
    additionalProperties: false,
    required: ['statusCode', 'message'],
    properties: {
      statusCode: { type: 'integer', const: 400 },
      message: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'One message per failing field, with REST field names.' },
    },
  },
  OpenApiDocument: { type: 'object', description: 'This document.' },
};

const ERROR_RESPONSES: Readonly<Record<number, { name: string; description: string }>> = {
  400: { name: 'BadRequest', description: 'The request is invalid: one message per failing field.' },
  401: { name: 'Unauthorized', description: 'API key is missing, or Invalid API key.' },
  404: { name: 'NotFound', description: 'Customer with ID <id> not found or access denied.' },
  409: {
    name: 'Conflict',
    description:
      'The request was refused and nothing was written; the Conflict-Reason header says why. IDEMPOTENCY_KEY_REUSED: the Idempotency-Key of this POST /customers was used with a different body in the last 24 hours (do not retry: use a new key for a new customer). CONCURRENT_CHANGE: the change collided with another one made at the same moment (retrying the same request is safe).',
  },
  412: {
    name: 'PreconditionFailed',
    description:
      "If-Match does not name the customer's current version: nothing was written. The message names the current version; read the customer again, then decide whether to send the change with its ETag.",
  },
  413: { name: 'PayloadTooLarge', description: 'The body is larger than the limit.' },
  415: { name: 'UnsupportedMediaType', description: 'The body has an unsupported encoding or charset.' },
  429: { name: 'TooManyRequests', description: 'Rate limit reached; retry after Retry-After seconds.' },
  500: { name: 'InternalError', description: 'Internal server error (details are logged under the x-request-id).' },
  503: { name: 'ServiceUnavailable', description: 'The database is unavailable; try again shortly.' },
};
/** Every key-protected route may answer these. */
const COMMON_ERRORS = [401, 429, 500, 503] as const;

const REQUEST_ID_HEADER = { description: "The request's id, also in the gateway's logs.", schema: { type: 'string' } };
const ETAG_HEADER = {
  description: "The customer's version as a strong entity-tag, e.g. \"3\": send it back as If-Match to change it only if nobody has since.",
  schema: { type: 'string', pattern: '^"[1-9][0-9]*"$' },
};

function responseComponents(): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  for (const [status, { name, description }] of Object.entries(ERROR_RESPONSES)) {
    out[name] = {
      description,
      headers: {
        'x-request-id': REQUEST_ID_HEADER,
        ...(status === '429' ? { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer', minimum: 1 } } } : {}),
        ...(status === '409'
          ? {
              'Conflict-Reason': {
                description:
                  'Why: IDEMPOTENCY_KEY_REUSED (the Idempotency-Key was used with another body: use a new key, do not retry) or CONCURRENT_CHANGE (another change at the same moment: retry as is).',
                schema: { type: 'string', enum: ['IDEMPOTENCY_KEY_REUSED', 'CONCURRENT_CHANGE'] },
              },
            }
          : {}),
      },
      content: { 'application/json': { schema: ref(status === '400' ? 'ValidationError' : 'Error') } },
    };
  }
  return out;
}

/** `/customers/:id` as OpenAPI's `/customers/{id}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function operationOf(route: RestRoute): Schema {
  const statuses = [...new Set([...route.errors, ...COMMON_ERRORS])].sort((a, b) => a - b);
  return {
    operationId: route.operationId,
    summary: route.summary,
    'x-graphql-field': route.graphql,
    parameters: route.parameters.map((p) => ({ ...p, required: p.in === 'path' })),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: ref(route.body) } } } } : {}),
    responses: {
      [route.success.status]: {
        description: route.success.description,
        headers: {
          'x-request-id': REQUEST_ID_HEADER,
          ...(route.success.status === 201 ? { Location: { description: 'The path of the created resource, e.g. /customers/{id}.', schema: { type: 'string' } } } : {}),
          ...(route.etag ? { ETag: ETAG_HEADER } : {}),
        },
        content: { 'application/json': { schema: ref(route.success.schema) } },
      },
      // A GET that sends back the ETag as If-None-Match, when the customer has not changed.
      ...(route.etag && route.method === 'get' ? { 304: { description: 'Not modified: If-None-Match names the current ETag (no body).', headers: { ETag: ETAG_HEADER } } } : {}),
      ...Object.fromEntries(statuses.map((status) => [status, { $ref: `#/components/responses/${ERROR_RESPONSES[status].name}` }])),
    },
  };
}

/** The document's introduction (Markdown: the REST docs page shows it above the operations). */
const DESCRIPTION = `The original Customers REST API, served by the GraphQL gateway from the same schema. GraphQL is at /graphql.

**Safe retries.** Send an \`Idempotency-Key\` header (1-255 printable ASCII characters, e.g. a UUID made for this one create) with \`POST /customers\`: for 24 hours, sending the same key and body again answers 201 with the customer the first call created, as it is now, and creates nothing. The keys are the ones GraphQL's \`createCustomer(idempotencyKey)\` uses, per organization and environment.

**Versions.** A response with one customer carries its version as an \`ETag\` (e.g. \`"3"\`). Send it back as \`If-Match\` on \`PATCH\` or \`DELETE\`: when the customer has changed since, nothing is written and the answer is 412, naming the current version.

**Retrying.** Safe to retry as they are: 503 (shortly), 429 (after \`Retry-After\` seconds), and 409 with \`Conflict-Reason: CONCURRENT_CHANGE\`. A \`POST /customers\` whose answer was lost (or a 500) is safe to retry with the same \`Idempotency-Key\`, never without one. Do not retry as they are: 409 with \`Conflict-Reason: IDEMPOTENCY_KEY_REUSED\` (the key was used with another body: use a new key), 412 (read the customer again first), 400, 401, 404.`;

/** The OpenAPI 3.1 document of the REST endpoints, built from the router's own route table. */
export function openApiDocument(routes: readonly RestRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, Schema>> = {
    [OPENAPI_PATH]: {
      get: {
        operationId: 'getOpenApiDocument',
        summary: 'This document.',
        security: [],
        responses: { 200: { description: 'The OpenAPI document.', content: { 'application/json': { schema: ref('OpenApiDocument') } } } },
      },
    },
  };
  for (const route of routes) {
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method]: operationOf(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Customers API (REST)',
      version: '1.0.0',
      description: DESCRIPTION,
    },
    // Relative to where this document was fetched from: the gateway that serves it.
    servers: [{ url: '/', description: 'This gateway (the server that serves this document)' }],
    security: [{ ApiKey: [] }],
    paths,
    components: {
      securitySchemes: { ApiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } },
      schemas: SCHEMAS,
      responses: responseComponents(),
    },
  };
}
