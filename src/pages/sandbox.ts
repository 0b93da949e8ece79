import { AsyncLocalStorage } from 'node:async_hooks';
import type { ApolloServerPlugin, GraphQLServerListener } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { RequestHandler } from 'express';
import type { GraphQLContext } from '../context';
import type { KeyOffer } from './offer';
import { EXAMPLE_OPERATION, EXAMPLE_VARIABLES, PLACEHOLDER_KEY } from './offer';
import { EXPLORER_PATH, REST_DOCS_PATH } from './explorer';

/** The key the landing page being rendered offers; set per request by `sandboxKeyScope`. */
const pageKey = new AsyncLocalStorage<string>();

/** Runs the rest of a GET /graphql with the key its landing page (if one is asked for) offers. */
export function sandboxKeyScope(offer: KeyOffer): RequestHandler {
  return (req, _res, next) => {
    if (req.method !== 'GET') return next();
    pageKey.run(offer.keyFor(req), next);
  };
}

/** Sandbox loads from Apollo's CDN; when it cannot, its fallback text points to the local pages. */
const OFFLINE_LINKS =
  `<p>The gateway serves an explorer that works offline: <a href="${EXPLORER_PATH}">${EXPLORER_PATH}</a> (GraphiQL), ` +
  `and the REST API's docs at <a href="${REST_DOCS_PATH}">${REST_DOCS_PATH}</a>.</p>`;

function withOfflineLinks(html: string): string {
  const fallback = '<div class="fallback">';
  return html.includes(fallback) ? html.replace(fallback, fallback + OFFLINE_LINKS) : html.replace('<body>', '<body>' + OFFLINE_LINKS);
}

async function pageOf(listener: GraphQLServerListener | void): Promise<() => Promise<string>> {
  const page = await listener?.renderLandingPage?.();
  if (!page) throw new Error("Apollo's landing page plugin rendered no page");
  const { html } = page;
  return typeof html === 'string' ? async () => html : html;
}

/**
 * Apollo Sandbox (development only) opening on a worked example with the `x-api-key` header
 * filled in: the demo key for a browser on this machine, a placeholder for anyone else. Apollo
 * renders both pages; the request decides which one it gets.
 */
export function sandboxLandingPage(demoKey: string | undefined): ApolloServerPlugin<GraphQLContext> {
  const sandboxWith = (key: string) =>
    ApolloServerPluginLandingPageLocalDefault({
      embed: true,
      document: EXAMPLE_OPERATION,
      variables: { ...EXAMPLE_VARIABLES },
      headers: { 'x-api-key': key },
    });
  return {
    async serverWillStart(service) {
      const placeholder = await pageOf(await sandboxWith(PLACEHOLDER_KEY).serverWillStart?.(service));
      const demo = demoKey === undefined ? undefined : await pageOf(await sandboxWith(demoKey).serverWillStart?.(service));
      return {
        async renderLandingPage() {
          return {
            html: async () => withOfflineLinks(await (demo && pageKey.getStore() === demoKey ? demo : placeholder)()),
          };
        },
      };
    },
  };
}
