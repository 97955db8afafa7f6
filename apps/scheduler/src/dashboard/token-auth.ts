import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { refuse } from './request-guard.ts';

const COOKIE = 'iwae_token';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Every request must carry the token: `Authorization: Bearer …`, or the cookie set when a page
 * is opened once with `?token=…` (so that links and the live event stream work in a browser).
 * Without a configured token (the default, bound to 127.0.0.1) everything passes.
 */
export function tokenAuth(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (!token) return next();
    const bearer = c.req.header('authorization')?.replace(/^Bearer\s+/i, '');
    const cookie = getCookie(c, COOKIE);
    const query = c.req.query('token');
    if (query !== undefined && same(query, token)) {
      setCookie(c, COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      if (c.req.method === 'GET' && c.req.header('accept')?.includes('text/html')) {
        // Off the address bar (and out of history) at once.
        const url = new URL(c.req.url);
        url.searchParams.delete('token');
        return c.redirect(`${url.pathname}${url.search}`);
      }
      return next();
    }
    if ((bearer && same(bearer, token)) || (cookie && same(cookie, token))) return next();
    return refuse(c, 401, 'unauthorized: this dashboard needs its token (?token=… once, or Authorization: Bearer …)');
  };
}
