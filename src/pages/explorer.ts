import path from 'node:path';
import type { Response, Router } from 'express';
import express from 'express';
import { projectRoot } from '../paths';
import type { KeyOffer } from './offer';
import { EXAMPLE_OPERATION, EXAMPLE_VARIABLES } from './offer';

export const EXPLORER_PATH = '/explorer';
export const REST_DOCS_PATH = '/docs';
const ASSETS = '/assets';

function packageDir(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}

/**
 * Every file the two pages load, from installed packages and web/: nothing comes from a CDN,
 * so the pages work on a machine without internet. A fixed table, never a path from the URL.
 */
function assetFiles(): ReadonlyMap<string, string> {
  const web = path.join(projectRoot(), 'web');
  return new Map([
    ['react.production.min.js', path.join(packageDir('react'), 'umd', 'react.production.min.js')],
    ['react-dom.production.min.js', path.join(packageDir('react-dom'), 'umd', 'react-dom.production.min.js')],
    ['graphiql.min.js', path.join(packageDir('graphiql'), 'graphiql.min.js')],
    ['graphiql.min.css', path.join(packageDir('graphiql'), 'graphiql.min.css')],
    ['swagger-ui-bundle.js', path.join(packageDir('swagger-ui-dist'), 'swagger-ui-bundle.js')],
    ['swagger-ui.css', path.join(packageDir('swagger-ui-dist'), 'swagger-ui.css')],
    ['explorer.js', path.join(web, 'explorer.js')],
    ['rest-docs.js', path.join(web, 'rest-docs.js')],
  ]);
}

/** Only this origin's scripts and requests: the pages talk to the gateway and nothing else. */
const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** JSON inside a <script type="application/json">: `<` escaped so no text can close the tag. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

function page(title: string, styles: string[], scripts: string[], config: unknown, root: string): string {
  const asset = (file: string) => `${EXPLORER_PATH}${ASSETS}/${file}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
${styles.map((file) => `<link rel="stylesheet" href="${asset(file)}">`).join('\n')}
<style>html, body { height: 100%; margin: 0; } #${root} { height: 100vh; }</style>
</head>
<body>
<div id="${root}">Loading…</div>
<script id="page-config" type="application/json">${scriptJson(config)}</script>
${scripts.map((file) => `<script src="${asset(file)}"></script>`).join('\n')}
</body>
</html>
`;
}

function sendPage(res: Response, html: string): void {
  res.set({ 'content-security-policy': PAGE_CSP, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.type('html').send(html);
}

export interface PagesOptions {
  offer: KeyOffer;
  graphqlPath: string;
  openApiPath: string;
}

/**
 * The GraphQL explorer (GraphiQL) at /explorer and the REST docs (Swagger UI over
 * /openapi.json) at /docs, both served from local packages. Their `x-api-key` header starts as
 * the key the request is offered (see KeyOffer).
 */
export function pagesRouter({ offer, graphqlPath, openApiPath }: PagesOptions): Router {
  const router = express.Router();
  const files = assetFiles();
  router.get(`${EXPLORER_PATH}${ASSETS}/:file`, (req, res, next) => {
    const file = files.get(req.params.file);
    if (!file) return next();
    res.sendFile(file, { maxAge: '1h', headers: { 'x-content-type-options': 'nosniff' } });
  });
  router.get(EXPLORER_PATH, (req, res) => {
    const config = {
      endpoint: graphqlPath,
      query: EXAMPLE_OPERATION,
      variables: JSON.stringify(EXAMPLE_VARIABLES, null, 2),
      headers: JSON.stringify({ 'x-api-key': offer.keyFor(req) }, null, 2),
    };
    sendPage(
      res,
      page('Customers gateway · GraphQL explorer', ['graphiql.min.css'], ['react.production.min.js', 'react-dom.production.min.js', 'graphiql.min.js', 'explorer.js'], config, 'graphiql'),
    );
  });
  router.get(REST_DOCS_PATH, (req, res) => {
    sendPage(res, page('Customers gateway · REST API', ['swagger-ui.css'], ['swagger-ui-bundle.js', 'rest-docs.js'], { openapi: openApiPath, apiKey: offer.keyFor(req) }, 'swagger-ui'));
  });
  return router;
}
