import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

const common = {
  xContentTypeOptions: 'nosniff',
  xFrameOptions: 'DENY',
  referrerPolicy: 'no-referrer',
  crossOriginResourcePolicy: 'same-origin',
  crossOriginOpenerPolicy: 'same-origin',
  // Served over plain HTTP on loopback by default: HSTS would be ignored or wrong here.
  strictTransportSecurity: false,
} as const;

const base = {
  defaultSrc: ["'none'"],
  connectSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  objectSrc: ["'none'"],
};

/** Our pages: scripts and styles from our own files only (no inline script, no inline style). */
const dashboardHeaders = secureHeaders({
  ...common,
  contentSecurityPolicy: { ...base, scriptSrc: ["'self'"], styleSrc: ["'self'"] },
});

/**
 * bull-board's page: its scripts are its own files too, but its loader and its React components
 * set inline styles, so styles may be inline there (styles cannot run code).
 */
const bullBoardHeaders = secureHeaders({
  ...common,
  contentSecurityPolicy: { ...base, scriptSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"] },
});

/** Security headers on every response, refusals included. */
export const securityHeaders: MiddlewareHandler = (c, next) =>
  c.req.path === '/queues' || c.req.path.startsWith('/queues/') ? bullBoardHeaders(c, next) : dashboardHeaders(c, next);
