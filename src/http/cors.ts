import cors from 'cors';
import type { RequestHandler } from 'express';
import { RATE_LIMIT_HEADERS } from '../limits';

/**
 * Response headers browser JavaScript may read: the request id (to quote in a bug report), the
 * rate limits, a REST customer's ETag (its version, for If-Match) and a REST 409's cause.
 */
export const EXPOSED_HEADERS: readonly string[] = ['x-request-id', ...RATE_LIMIT_HEADERS, 'ETag', 'Conflict-Reason'];

/**
 * Browsers may call only from CORS_ORIGINS. An allowed preflight is answered here (204 with the
 * CORS headers); a preflight from any other origin gets a plain refusal, 403 without CORS
 * headers, instead of travelling on to a handler that would misread it (Apollo answers a bare
 * OPTIONS with a 400 about CSRF).
 */
export function corsPolicy(origins: readonly string[]): RequestHandler[] {
  const allowed = new Set(origins);
  const policy = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    exposedHeaders: [...EXPOSED_HEADERS],
    maxAge: 600,
  });
  const refusePreflight: RequestHandler = (req, res, next) => {
    if (req.method !== 'OPTIONS') return next();
    const origin = req.header('origin');
    res.setHeader('vary', 'Origin');
    if (origin === undefined) {
      res.status(204).end();
      return;
    }
    res
      .status(403)
      .type('text/plain')
      .send(`CORS: the origin ${origin} may not call this API from a browser (the server's CORS_ORIGINS does not list it)\n`);
  };
  return [policy, refusePreflight];
}
