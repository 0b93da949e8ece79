import type { IdPools } from './pools';
import * as pools from './pools';
import type { Random } from './random';
import type { Value } from './values';
import { toJson } from './values';

/** One REST call before it is written as HTTP: the body is JSON text, or absent. */
export interface RestRequest {
  method: string;
  path: string;
  body?: string;
}

interface Parameter {
  name: string;
  in: 'path' | 'query';
  schema: Schema;
}

interface Schema {
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  $ref?: string;
}

interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: Schema;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * Percent-encoding that also writes what encodeURIComponent refuses: an unpaired surrogate goes
 * out as the three bytes it would have in WTF-8 (not valid UTF-8, for the server to refuse).
 */
export function percentEncode(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (char.length === 1 && code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

/** Path segments and query strings a client could send by mistake or on purpose. */
const HOSTILE_SEGMENTS = [
  '%', '%ZZ', '%E0%A4%A', '%00', '%ED%A0%80', '%C0%AF', '..', '..%2F..%2Fetc%2Fpasswd', '%2e%2e', '.', '%20', '+', 'a'.repeat(5000),
  '%F0%9F%98%80', 'null', 'undefined', '__proto__', '*', '%2F', ';', 'id;x=1', '123e4567-e89b-12d3-a456-42661417400%C3%A9',
];
const HOSTILE_QUERIES = [
  'search[a]=b', 'page[]=1', 'page=1&page=2', 'pageSize=%00', 'search=%', 'search=%ZZ', 'search=%ED%A0%80', `search=${'%41'.repeat(3000)}`,
  'type=all&type=business', '__proto__[x]=1', 'constructor=1', '&&&', '=', '==&=', 'page=0x10', 'page=1e3', 'page=%201', 'pageSize=-0',
  'search=%E2%80%AE', 'status=ACTIVE', 'type=Business',
];

/** REST calls generated from the gateway's own OpenAPI document: every route, parameter and body field. */
export class RestGenerator {
  private readonly operations: Operation[];
  private readonly schemas: Record<string, Schema>;

  constructor(
    document: unknown,
    private readonly ids: IdPools,
  ) {
    const doc = asRecord(document);
    this.schemas = asRecord(asRecord(doc.components).schemas) as Record<string, Schema>;
    this.operations = [];
    for (const [path, item] of Object.entries(asRecord(doc.paths))) {
      for (const [method, spec] of Object.entries(asRecord(item))) {
        const op = asRecord(spec);
        const parameters = Array.isArray(op.parameters) ? (op.parameters as Parameter[]) : [];
        const content = asRecord(asRecord(asRecord(op.requestBody).content)['application/json']);
        this.operations.push({ method: method.toUpperCase(), path, parameters, body: content.schema ? this.resolve(content.schema as Schema) : undefined });
      }
    }
    if (this.operations.length === 0) throw new Error('the OpenAPI document lists no operation');
  }

  private resolve(schema: Schema): Schema {
    const name = schema.$ref?.split('/').pop();
    return name ? (this.schemas[name] ?? {}) : schema;
  }

  request(rng: Random): RestRequest {
    const op = rng.pick(this.operations);
    let path = op.path.replace(/\{([^}]+)\}/g, () => percentEncode(pools.id(rng, this.ids)));
    if (rng.chance(0.1)) path = this.hostilePath(rng, op.path);
    const query = op.parameters.filter((p) => p.in === 'query' && rng.chance(0.4)).map((p) => `${p.name}=${percentEncode(String(this.parameter(rng, p.schema)))}`);
    if (rng.chance(0.1)) query.push(rng.pick(HOSTILE_QUERIES));
    const method = rng.chance(0.04) ? rng.pick(['PUT', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'get', 'POST', 'DELETE']) : op.method;
    const body = op.body || rng.chance(0.03) ? this.body(rng, op.body ?? {}) : undefined;
    return { method, path: query.length ? `${path}?${query.join('&')}` : path, body };
  }

  private hostilePath(rng: Random, template: string): string {
    return rng.weighted<() => string>([
      [4, () => template.replace(/\{[^}]+\}/g, rng.pick(HOSTILE_SEGMENTS))],
      [1, () => `${template.replace(/\{[^}]+\}/g, pools.id(rng, this.ids))}/${rng.pick(HOSTILE_SEGMENTS)}`],
      [1, () => template.replace(/\{[^}]+\}/g, '').replace(/\/+$/, '') + rng.pick(['/', '//', '/.', '/%2F'])],
      [1, () => template.toUpperCase()],
      [1, () => `/${rng.pick(HOSTILE_SEGMENTS)}${template}`],
    ])();
  }

  private parameter(rng: Random, schema: Schema): Value {
    if (rng.chance(0.3)) return rng.chance(0.5) ? pools.hostileString(rng) : rng.pick(pools.NUMBERS);
    if (schema.enum) return String(rng.pick(schema.enum));
    if (schema.type === 'integer') return pools.integer(rng);
    return rng.pick(['a', 'diop', 'é', 'fuzz', '%', '']);
  }

  /** A JSON body: the schema's fields with plausible or hostile values, sometimes not an object at all. */
  private body(rng: Random, schema: Schema): string {
    if (rng.chance(0.05)) return toJson(pools.hostileValue(rng));
    const object: { [key: string]: Value } = {};
    for (const [field, spec] of Object.entries(schema.properties ?? {})) {
      if ((schema.required ?? []).includes(field) ? rng.chance(0.95) : rng.chance(0.4)) object[field] = this.field(rng, field, spec);
    }
    if (rng.chance(0.04)) object[rng.pick(['phoneNumber', 'customer_id', 'organization_id', 'unknown', '__proto__'])] = rng.pick(['x', 1]);
    return toJson(object);
  }

  private field(rng: Random, field: string, schema: Schema): Value {
    if (rng.chance(0.1)) return pools.hostileValue(rng);
    if (rng.chance(0.05)) return null;
    if (schema.type === 'boolean' || (Array.isArray(schema.type) && schema.type.includes('boolean'))) return rng.chance(0.5);
    if (field === 'metadata') return rng.chance(0.15) ? pools.hostileValue(rng) : pools.jsonObject(rng);
    if (rng.chance(0.4)) return pools.hostileString(rng);
    if (field === 'email') return rng.pick(pools.EMAILS);
    if (/phone|whatsapp/.test(field)) return rng.pick(pools.PHONES);
    if (field === 'name') return pools.name(rng);
    return rng.pick(['Dakar', 'Senegal', '12345', 'Main Street 1', 'x']);
  }
}
