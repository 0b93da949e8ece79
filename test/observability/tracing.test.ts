import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from '../../src/config';
import { startGateway } from '../helpers/gateway';
import { rest } from '../rest/helpers';

/** An attribute of the OTLP JSON encoding: `{ key, value: { stringValue | intValue | boolValue } }`. */
interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: number | string; boolValue?: boolean };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: OtlpAttribute[];
  status?: { code?: number; message?: string };
}

interface ExportRequest {
  resourceSpans: { resource: { attributes: OtlpAttribute[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

/**
 * An OTLP/HTTP receiver, as a collector would run it on :4318: takes `POST /v1/traces` in the
 * JSON encoding and keeps what it was sent.
 */
class OtlpReceiver {
  readonly requests: ExportRequest[] = [];
  readonly contentTypes: string[] = [];
  private readonly server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        this.contentTypes.push(req.headers['content-type'] ?? '');
        this.requests.push(JSON.parse(body) as ExportRequest);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else {
        res.writeHead(404).end();
      }
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  spans(): OtlpSpan[] {
    return this.requests.flatMap((request) => request.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
  }

  resourceAttributes(): OtlpAttribute[] {
    return this.requests.flatMap((request) => request.resourceSpans.flatMap((r) => r.resource.attributes));
  }
}

function attr(span: OtlpSpan, key: string): string | number | boolean | undefined {
  const found = span.attributes.find((a) => a.key === key)?.value;
  if (!found) return undefined;
  return found.stringValue ?? (found.intValue !== undefined ? Number(found.intValue) : found.boolValue);
}

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const SEARCH = 'needle-in-the-haystack';
const LIST = 'query FindSome($search: String) { customers(pageSize: 2, search: $search) { customers { id } } }';

describe('OpenTelemetry traces over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set', () => {
  const receiver = new OtlpReceiver();
  beforeAll(() => receiver.start());
  afterAll(() => receiver.close());

  test('request, operation and database spans: the caller\'s trace continued, the request id on each, flushed at shutdown', async () => {
    const gw = await startGateway({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'gateway-under-test' });
    let key = '';
    let organizationId = '';
    let customerId = '';
    try {
      const tenant = await gw.tenantWithKey();
      key = tenant.key;
      organizationId = tenant.organizationId;
      const created = await gw.gql<{ createCustomer: { id: string } }>(
        'mutation AddOne { createCustomer(input: { name: "Traced Person", email: "traced.person@example.com" }) { id } }', undefined,
        { key, headers: { 'x-request-id': 'trace-req-1' } });
      customerId = created.body.data?.createCustomer.id as string;
      const listed = await gw.gql(LIST, { search: SEARCH }, { key, headers: { 'x-request-id': 'trace-req-2', traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` } });
      expect(listed.status).toBe(200);
      expect((await rest(gw, 'GET', `/customers/${customerId}`, { key, headers: { 'x-request-id': 'trace-req-3' } })).status).toBe(200);
      expect((await gw.gql('{ customers { customers { id } } }', undefined, { headers: { 'x-request-id': 'trace-req-4' } })).status).toBe(401);
      // a caller that did not sample its trace: the default sampler (parent-based) follows it
      const unsampled = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-00`;
      expect((await gw.gql(LIST, {}, { key, headers: { 'x-request-id': 'trace-req-5', traceparent: unsampled } })).status).toBe(200);
    } finally {
      // a graceful stop exports what is still buffered (the batch delay is 5 s by default)
      await gw.close();
    }

    expect(receiver.contentTypes.every((type) => type.startsWith('application/json'))).toBe(true);
    expect(receiver.resourceAttributes()).toContainEqual({ key: 'service.name', value: { stringValue: 'gateway-under-test' } });
    const spans = receiver.spans();
    const ofRequest = (id: string) => spans.filter((span) => attr(span, 'request.id') === id);
    const byId = new Map(spans.map((span) => [span.spanId, span]));

    // the list: POST /graphql under the caller's span, the operation under it, the database call under that
    const listSpans = ofRequest('trace-req-2');
    const request = listSpans.find((span) => span.name === 'POST /graphql');
    const operation = listSpans.find((span) => span.name === 'query FindSome');
    const fetch = listSpans.find((span) => span.name === 'db fetch_customers_with_status');
    expect(request).toBeDefined();
    expect(operation).toBeDefined();
    expect(fetch).toBeDefined();
    for (const span of listSpans) expect(span.traceId).toBe(CALLER_TRACE);
    expect(request?.parentSpanId).toBe(CALLER_SPAN);
    expect(request?.kind).toBe(2); // SERVER
    expect(attr(request as OtlpSpan, 'http.route')).toBe('/graphql');
    expect(attr(request as OtlpSpan, 'http.response.status_code')).toBe(200);
    expect(operation?.parentSpanId).toBe(request?.spanId);
    expect(attr(operation as OtlpSpan, 'graphql.operation.type')).toBe('query');
    expect(attr(operation as OtlpSpan, 'graphql.operation.name')).toBe('FindSome');
    expect(attr(operation as OtlpSpan, 'gateway.outcome')).toBe('OK');
    expect(fetch?.parentSpanId).toBe(operation?.spanId);
    expect(attr(fetch as OtlpSpan, 'db.operation.name')).toBe('fetch_customers_with_status');

    // the first request of a key looks it up: that call is the request's, before any operation
    const addSpans = ofRequest('trace-req-1');
    const addRequest = addSpans.find((span) => span.name === 'POST /graphql');
    const lookup = addSpans.find((span) => span.name === 'db verify_api_key');
    expect(lookup?.parentSpanId).toBe(addRequest?.spanId);
    expect(addSpans.find((span) => span.name === 'mutation AddOne')?.parentSpanId).toBe(addRequest?.spanId);
    expect(addSpans.find((span) => span.name === 'db create_customer')?.parentSpanId).toBe(addSpans.find((span) => span.name === 'mutation AddOne')?.spanId);
    // without a traceparent a request starts a trace of its own
    expect(addRequest?.parentSpanId ?? '').toBe('');
    expect(addRequest?.traceId).not.toBe(CALLER_TRACE);

    // REST: the route template names the span, never the path with the customer's id
    const restSpans = ofRequest('trace-req-3');
    const restRequest = restSpans.find((span) => span.name === 'GET /customers/:id');
    const restOperation = restSpans.find((span) => span.name === 'rest getCustomer');
    expect(restOperation?.parentSpanId).toBe(restRequest?.spanId);
    expect(restSpans.find((span) => span.name === 'db get_customers_by_ids')?.parentSpanId).toBe(restOperation?.spanId);

    // refused for its key: the operation's outcome says why, and the span is an error
    const refused = ofRequest('trace-req-4').find((span) => span.name.startsWith('query'));
    expect(attr(refused as OtlpSpan, 'gateway.outcome')).toBe('UNAUTHENTICATED');
    expect(refused?.status?.code).toBe(2); // ERROR

    expect(ofRequest('trace-req-5')).toEqual([]);
    expect(spans.filter((span) => span.traceId === '1'.repeat(32))).toEqual([]);

    // each span is a child of a span of the same trace, or of the caller's
    for (const span of spans) {
      if (span.parentSpanId && span.parentSpanId !== CALLER_SPAN) expect(byId.get(span.parentSpanId)?.traceId).toBe(span.traceId);
    }
    // names, types, codes and ids of requests: never keys, arguments, customer data or ids
    const text = JSON.stringify(receiver.requests);
    expect(text).not.toContain(key);
    expect(text).not.toMatch(/lomi_/);
    expect(text).not.toContain(SEARCH);
    expect(text).not.toContain('traced.person@example.com');
    expect(text).not.toContain('Traced Person');
    expect(text).not.toContain(customerId);
    expect(text).not.toContain(organizationId);
  });

  test('without OTEL_EXPORTER_OTLP_ENDPOINT nothing is exported', async () => {
    const before = receiver.requests.length;
    const gw = await startGateway({});
    try {
      const { key } = await gw.tenantWithKey();
      expect((await gw.gql(LIST, { search: SEARCH }, { key })).status).toBe(200);
    } finally {
      await gw.close();
    }
    expect(receiver.requests.length).toBe(before);
  });
});

describe('a collector that does not answer does not hold up the shutdown', () => {
  test('the stop waits a few seconds for the last spans, then logs that they were not exported', async () => {
    // accepts connections and never answers, like a collector that hangs
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const lines: string[] = [];
    const gw = await startGateway({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` }, { logLines: lines });
    try {
      const { key } = await gw.tenantWithKey();
      expect((await gw.gql(LIST, {}, { key })).status).toBe(200);
    } finally {
      const started = Date.now();
      await gw.close();
      // the flush is given 3 s; the exporter's own timeout is 10 s
      expect(Date.now() - started).toBeLessThan(9_000);
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toContain('traces: the last spans could not be exported before the shutdown');
  });
});

describe('trace and metrics settings are checked at start', () => {
  test.each([
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL'],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://collector:4317' }, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http(s) URL'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'exports traces as http/json only'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_SAMPLER: 'sometimes' }, 'OTEL_TRACES_SAMPLER must be one of'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' }, 'OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1'],
    [{ METRICS_PORT: 'nine' }, 'METRICS_PORT must be a whole number from 1 to 65535'],
    [{ METRICS_PORT: '4000' }, 'METRICS_PORT must differ from PORT'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN must be at least 16 printable characters'],
  ])('%j is refused: %s', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  test('the traces URL follows the OTLP variables; OTEL_SDK_DISABLED turns traces off', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing).toEqual({
      tracesUrl: 'http://collector:4318/v1/traces',
      serviceName: 'customers-gateway',
      sampler: { name: 'parentbased_always_on', ratio: 1 },
    });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/base/' }).tracing?.tracesUrl).toBe('http://collector:4318/base/v1/traces');
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/traces' }).tracing?.tracesUrl).toBe('https://b/traces');
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_SDK_DISABLED: 'true' }).tracing).toBeUndefined();
    expect(loadConfig({}).tracing).toBeUndefined();
  });

  test('where metrics are served follows METRICS_PORT, METRICS_TOKEN and NODE_ENV', () => {
    const production = { NODE_ENV: 'production', CURSOR_SECRET: 'config-test-cursor-secret-0123456789abcdef' };
    expect(loadConfig({}).metrics).toEqual({ serve: 'main', token: undefined });
    expect(loadConfig(production).metrics).toEqual({ serve: 'off' });
    expect(loadConfig({ ...production, METRICS_TOKEN: 'x'.repeat(16) }).metrics).toEqual({ serve: 'main', token: 'x'.repeat(16) });
    expect(loadConfig({ ...production, METRICS_PORT: '9464' }).metrics).toEqual({ serve: 'port', port: 9464, token: undefined });
  });
});
