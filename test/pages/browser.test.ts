import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'puppeteer-core';
import { createApiKey } from '../../src/admin/admin';
import { PLACEHOLDER_KEY } from '../../src/pages/offer';
import { chromiumPath, launchChromium, NO_CHROMIUM } from '../helpers/browser';
import { addCustomer } from '../helpers/customers';
import { openTestDatabase } from '../helpers/database';
import type { TestGateway } from '../helpers/gateway';
import { startGateway } from '../helpers/gateway';
import type { TestTenant } from '../helpers/tenants';
import { createTenant } from '../helpers/tenants';

const chromium = chromiumPath();
const inBrowser = chromium ? describe : describe.skip;
if (!chromium) process.stderr.write(`test/pages/browser.test.ts ${NO_CHROMIUM}\n`);

/** The text of the n-th visible CodeMirror editor matching `selector` (GraphiQL's editors). */
const editorValue = (page: Page, selector: string): Promise<string> =>
  page.$eval(selector, (el) => (el as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue());

const setEditorValue = (page: Page, selector: string, value: string): Promise<void> =>
  page.$eval(selector, (el, text) => (el as unknown as { CodeMirror: { setValue(v: string): void } }).CodeMirror.setValue(text), value);

const QUERY_EDITOR = '.graphiql-query-editor .CodeMirror';
const RESPONSE_EDITOR = '.graphiql-response .CodeMirror';

/** Runs the query in the explorer and returns the response the page shows. */
async function runInExplorer(page: Page): Promise<unknown> {
  await page.click('.graphiql-execute-button');
  // evaluated in the page, where GraphiQL's editors carry their CodeMirror instance
  await page.waitForFunction(`(document.querySelector(${JSON.stringify(RESPONSE_EDITOR)})?.CodeMirror?.getValue() ?? '').trim().startsWith('{')`, { timeout: 20_000 });
  return JSON.parse(await editorValue(page, RESPONSE_EDITOR));
}

inBrowser(`the offline explorer in a real browser (headless chromium)${chromium ? '' : ` — ${NO_CHROMIUM}`}`, () => {
  let gw: TestGateway;
  let browser: Browser;
  let demo: TestTenant & { key: string };
  const names = ['Awa Diop', 'Kofi Mensah', 'Fatou Ndiaye'];
  const requested: string[] = [];

  beforeAll(async () => {
    const database = await openTestDatabase();
    const tenant = await createTenant(database, 'test');
    const key = await createApiKey(database, { organizationId: tenant.organizationId, environment: 'test', prefix: 'lomi', name: 'Demo key' });
    for (const name of names) await addCustomer(database, tenant, { name });
    demo = { ...tenant, key: key.apiKey };
    gw = await startGateway({ TRUST_PROXY: 'true' }, { database, demoKey: key.apiKey });
    browser = await launchChromium(chromium as string);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  async function openPage(path: string, headers: Record<string, string> = {}): Promise<Page> {
    const page = await browser.newPage();
    await page.setExtraHTTPHeaders(headers);
    page.on('request', (request) => {
      requested.push(request.url());
    });
    await page.goto(`${gw.url}${path}`, { waitUntil: 'load' });
    return page;
  }

  test('opens with the worked example and the demo key, runs it, and shows the customers', async () => {
    const page = await openPage('/explorer');
    await page.waitForSelector(QUERY_EDITOR, { timeout: 30_000 });
    expect(await editorValue(page, QUERY_EDITOR)).toContain('query ExampleCustomers');
    const result = (await runInExplorer(page)) as { data: { customers: { customers: { name: string }[]; pagination: { totalCount: number } } } };
    expect(result.data.customers.customers.map((c) => c.name).sort()).toEqual([...names].sort());
    expect(result.data.customers.pagination.totalCount).toBe(3);
    await page.close();
  });

  test('from another machine it offers a placeholder; a key typed into the headers runs a customers query', async () => {
    const other = await gw.tenantWithKey();
    await addCustomer(gw.db.inner, other, { name: 'Yaw Boateng' });
    const page = await openPage('/explorer', { 'x-forwarded-for': '203.0.113.9' });
    await page.waitForSelector(QUERY_EDITOR, { timeout: 30_000 });
    const headersEditor = '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror';
    await page.waitForSelector(headersEditor);
    expect(JSON.parse(await editorValue(page, headersEditor))).toEqual({ 'x-api-key': PLACEHOLDER_KEY });
    await setEditorValue(page, headersEditor, JSON.stringify({ 'x-api-key': other.key }));
    await setEditorValue(page, QUERY_EDITOR, '{ customers(pageSize: 5) { customers { name } } }');
    // GraphiQL re-reads the operation name from the editor after a short debounce.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await runInExplorer(page)).toMatchObject({ data: { customers: { customers: [{ name: 'Yaw Boateng' }] } } });
    await page.close();
  });

  test('the REST docs (Swagger UI) list the endpoints and call GET /customers with the offered key', async () => {
    const page = await openPage('/docs');
    await page.waitForSelector('#operations-default-listCustomers', { timeout: 30_000 });
    await page.click('#operations-default-listCustomers .opblock-summary-control');
    await page.waitForSelector('#operations-default-listCustomers .execute', { timeout: 10_000 });
    await page.click('#operations-default-listCustomers .execute');
    const selector = '#operations-default-listCustomers .live-responses-table .response-col_description pre';
    await page.waitForSelector(selector, { timeout: 20_000 });
    const body = JSON.parse(await page.$eval(selector, (el) => el.textContent ?? '')) as { customers: { name: string }[] };
    expect(body.customers.map((c) => c.name).sort()).toEqual([...names].sort());
    await page.close();
  });

  test('nothing the pages load comes from anywhere but the gateway', () => {
    expect(requested.length).toBeGreaterThan(5);
    expect(requested.filter((url) => !url.startsWith(gw.url) && !url.startsWith('data:'))).toEqual([]);
  });

  test('a browser app on an allowed origin reads the answer, x-request-id and the rate-limit headers; others are refused', async () => {
    // Two "apps": the same page served on two origins, only one of them in CORS_ORIGINS.
    const app = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><title>app</title>'));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const port = (app.address() as AddressInfo).port;
    const allowedOrigin = `http://127.0.0.1:${port}`;
    const cors = await startGateway({ CORS_ORIGINS: allowedOrigin }, { database: gw.db.inner });
    try {
      const page = await browser.newPage();
      const call = async (origin: string) => {
        await page.goto(`${origin}/`);
        return page.evaluate(async (endpoint, key) => {
          try {
            const res = await fetch(endpoint, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-api-key': key },
              body: JSON.stringify({ query: '{ customers(pageSize: 1) { pagination { totalCount } } }' }),
            });
            return { status: res.status, body: await res.json(), requestId: res.headers.get('x-request-id'), remaining: res.headers.get('x-ratelimit-remaining') };
          } catch (error) {
            return { refused: String(error) };
          }
        }, `${cors.url}/graphql`, demo.key);
      };
      const allowed = await call(allowedOrigin);
      expect(allowed).toEqual({ status: 200, body: expect.objectContaining({ data: { customers: { pagination: { totalCount: 3 } } } }), requestId: expect.stringMatching(/^[0-9a-f-]{36}$/), remaining: expect.stringMatching(/^\d+$/) });
      // localhost and 127.0.0.1 are different origins: this one is not listed
      expect(await call(`http://localhost:${port}`)).toEqual({ refused: expect.stringContaining('Failed to fetch') });
      await page.close();
    } finally {
      app.closeAllConnections();
      await new Promise((resolve) => app.close(resolve));
      await cors.server.stop();
    }
  });
});
