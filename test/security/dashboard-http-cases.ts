// The corpus of hostile HTTP requests run by dashboard-http.test.ts.

export type Target = 'open' | 'writes' | 'guarded';
export interface Case {
  name: string;
  target?: Target;
  method?: string;
  path: string | (() => string);
  headers?: Record<string, string> | ((port: number) => Record<string, string>);
  body?: string | Buffer | (() => string);
  status: number;
  message?: RegExp;
  /** Refused by Node's HTTP layer before the app: no body or headers of ours to check. */
  httpLayer?: boolean;
}

/**
 * The hostile requests, each with the answer it must get. `trialId` names a real queued trial (a
 * forged event for it would be written if it got through); `token` is the guarded server's.
 */
export function hostileCases(token: string, trialId: () => string): Case[] {
  const foreignOrigin = (p: number) => ({ origin: `http://127.0.0.1:${p + 1}` });
  const forged = () =>
    JSON.stringify({
      name: 'trial-failed',
      data: {
        sweepId: 'hostile',
        trialId: trialId(),
        workerId: 'evil:1',
        attempt: 1,
        error: { name: 'Error', message: 'forged' },
        final: true,
      },
    });
  const action = { 'x-iwae-action': '1' };

  return [
    // --- Host (DNS rebinding)
    {
      name: 'foreign Host',
      path: '/',
      headers: { host: 'evil.example' },
      status: 421,
      message: /^misdirected request: host "evil\.example"/,
    },
    { name: 'foreign Host with our port', path: '/api/sweeps', headers: (p) => ({ host: `evil.example:${p}` }), status: 421 },
    {
      name: 'Host that ends in a loopback name',
      path: '/api/sweeps',
      headers: (p) => ({ host: `localhost.evil.example:${p}` }),
      status: 421,
    },
    // Not even a host: the HTTP layer refuses these before any route.
    {
      name: 'Host with userinfo',
      path: '/',
      headers: (p) => ({ host: `evil.example@127.0.0.1:${p}` }),
      status: 400,
      httpLayer: true,
    },
    { name: 'loopback Host on another port', path: '/', headers: (p) => ({ host: `127.0.0.1:${p + 1}` }), status: 421 },
    { name: 'Host without a port (port 80)', path: '/', headers: { host: 'localhost' }, status: 421 },
    {
      name: 'rebound Host on an action',
      method: 'POST',
      path: '/api/sweeps/hostile/cancel',
      headers: (p) => ({ ...action, host: `evil.example:${p}` }),
      status: 421,
    },
    {
      name: 'rebound Host on bull-board add',
      target: 'writes',
      method: 'POST',
      path: '/queues/api/queues/results/add',
      headers: (p) => ({ ...action, host: `rebind.example:${p}`, 'content-type': 'application/json' }),
      body: forged,
      status: 421,
    },
    {
      name: 'rebound Host with the token',
      target: 'guarded',
      path: '/api/sweeps',
      headers: (p) => ({ host: `evil.example:${p}`, authorization: `Bearer ${token}` }),
      status: 421,
    },
    { name: 'Host header with a space', path: '/', headers: (p) => ({ host: `127.0.0.1 :${p}` }), status: 400, httpLayer: true },
    // --- Origin
    {
      name: 'foreign Origin on a read',
      path: '/api/sweeps',
      headers: { origin: 'http://evil.example' },
      status: 403,
      message: /^cross-origin request refused/,
    },
    { name: 'loopback Origin on another port', path: '/api/sweeps', headers: foreignOrigin, status: 403 },
    {
      name: 'Origin null (sandboxed frame, file://)',
      method: 'POST',
      path: '/api/sweeps/hostile/pause',
      headers: { ...action, origin: 'null' },
      status: 403,
    },
    { name: 'Origin with a path', path: '/api/sweeps', headers: (p) => ({ origin: `http://127.0.0.1:${p}/x` }), status: 403 },
    { name: 'Origin of another scheme', path: '/api/sweeps', headers: (p) => ({ origin: `ftp://127.0.0.1:${p}` }), status: 403 },
    {
      name: 'foreign Origin with our header on an action',
      method: 'POST',
      path: '/api/sweeps/hostile/cancel',
      headers: (p) => ({ ...action, ...foreignOrigin(p) }),
      status: 403,
    },
    {
      name: 'CORS preflight from a foreign Origin',
      method: 'OPTIONS',
      path: '/api/sweeps/hostile/cancel',
      headers: (p) => ({
        ...foreignOrigin(p),
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-iwae-action',
      }),
      status: 403,
    },
    {
      name: 'foreign Origin with the token',
      target: 'guarded',
      path: '/api/sweeps',
      headers: (p) => ({ ...foreignOrigin(p), authorization: `Bearer ${token}` }),
      status: 403,
    },
    // --- our actions (CSRF)
    {
      name: 'action without our header',
      method: 'POST',
      path: '/api/sweeps/hostile/cancel',
      status: 403,
      message: /^actions need the header x-iwae-action: 1/,
    },
    {
      name: 'action with our header set to 0',
      method: 'POST',
      path: '/api/sweeps/hostile/pause',
      headers: { 'x-iwae-action': '0' },
      status: 403,
    },
    {
      name: 'no-cors text/plain action from a foreign page',
      method: 'POST',
      path: '/api/sweeps/hostile/cancel',
      headers: (p) => ({
        ...foreignOrigin(p),
        'content-type': 'text/plain',
        'sec-fetch-site': 'same-site',
        'sec-fetch-mode': 'no-cors',
      }),
      body: 'x',
      status: 403,
    },
    {
      name: 'cross-site fetch metadata with our header',
      method: 'POST',
      path: '/api/sweeps/hostile/cancel',
      headers: { ...action, 'sec-fetch-site': 'cross-site' },
      status: 403,
      message: /^cross-site request refused/,
    },
    {
      name: 'same-site (not same-origin) fetch metadata',
      method: 'POST',
      path: '/api/sweeps/hostile/pause',
      headers: { ...action, 'sec-fetch-site': 'same-site' },
      status: 403,
    },
    {
      name: 'form-encoded action without header',
      method: 'POST',
      path: '/api/sweeps/hostile/cancel',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
      status: 403,
    },
    { name: 'PUT on an action', method: 'PUT', path: '/api/sweeps/hostile/cancel', status: 403 },
    { name: 'DELETE on a sweep', method: 'DELETE', path: '/api/sweeps/hostile', status: 403 },
    { name: 'PATCH on a sweep', method: 'PATCH', path: '/api/sweeps/hostile', status: 403 },
    { name: 'action through GET', method: 'GET', path: '/api/sweeps/hostile/cancel', status: 404 },
    {
      name: 'unknown action passes the guard, then is refused',
      method: 'POST',
      path: '/api/sweeps/hostile/explode',
      headers: action,
      status: 400,
      message: /action: cancel, pause or resume/,
    },
    { name: 'action on a prototype name', method: 'POST', path: '/api/sweeps/hostile/constructor', headers: action, status: 400 },
    {
      name: 'action on a sweep that does not exist',
      method: 'POST',
      path: '/api/sweeps/__proto__/cancel',
      headers: action,
      status: 404,
      message: /^\{"error":"no sweep \\"__proto__\\""\}$/,
    },
    {
      name: 'action with the token but no header',
      target: 'guarded',
      method: 'POST',
      path: '/api/sweeps/hostile/cancel',
      headers: { authorization: `Bearer ${token}` },
      status: 403,
    },
    {
      name: 'huge body on an action',
      method: 'POST',
      path: '/api/sweeps/hostile/pause',
      headers: action,
      body: Buffer.alloc(2 * 1024 * 1024, 120),
      status: 413,
      message: /^request body over \d+ bytes refused/,
    },
    // --- bull-board
    {
      name: 'bull-board add, no-cors text/plain from a foreign page',
      method: 'POST',
      path: '/queues/api/queues/results/add',
      headers: (p) => ({ ...foreignOrigin(p), 'content-type': 'text/plain' }),
      body: forged,
      status: 403,
    },
    {
      name: 'bull-board add (writes on), no-cors from a foreign page',
      target: 'writes',
      method: 'POST',
      path: '/queues/api/queues/results/add',
      headers: (p) => ({ ...foreignOrigin(p), 'content-type': 'text/plain', 'sec-fetch-site': 'same-site' }),
      body: forged,
      status: 403,
    },
    {
      name: 'bull-board add (writes on), foreign page with our header',
      target: 'writes',
      method: 'POST',
      path: '/queues/api/queues/trials/add',
      headers: (p) => ({ ...foreignOrigin(p), ...action, 'content-type': 'application/json' }),
      body: '{"name":"trial","data":{}}',
      status: 403,
    },
    {
      name: 'bull-board add (writes on), no Origin, no header',
      target: 'writes',
      method: 'POST',
      path: '/queues/api/queues/results/add',
      headers: { 'content-type': 'text/plain' },
      body: forged,
      status: 403,
      message: /^queue changes need a same-origin browser request/,
    },
    {
      name: 'bull-board add (writes on), Origin ours but cross-site metadata',
      target: 'writes',
      method: 'POST',
      path: '/queues/api/queues/results/add',
      headers: (p) => ({ origin: `http://127.0.0.1:${p}`, 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' }),
      body: forged,
      status: 403,
    },
    {
      name: 'bull-board read-only by default, even with our header',
      method: 'POST',
      path: '/queues/api/queues/results/add',
      headers: { ...action, 'content-type': 'application/json' },
      body: forged,
      status: 403,
      message: /^bull-board is read-only: start serve with --bull-board-writes/,
    },
    { name: 'bull-board retry all failed', method: 'PUT', path: '/queues/api/queues/trials/retry/failed', status: 403 },
    { name: 'bull-board pause queue', method: 'PUT', path: '/queues/api/queues/trials/pause', status: 403 },
    { name: 'bull-board clean completed', method: 'PUT', path: '/queues/api/queues/trials/clean/completed', status: 403 },
    { name: 'bull-board empty queue', method: 'PUT', path: '/queues/api/queues/trials/empty', status: 403 },
    {
      name: 'bull-board pause all (writes on), foreign page',
      target: 'writes',
      method: 'PUT',
      path: '/queues/api/queues/pause',
      headers: foreignOrigin,
      status: 403,
    },
    {
      name: 'bull-board huge add (writes on, same origin)',
      target: 'writes',
      method: 'POST',
      path: '/queues/api/queues/results/add',
      headers: (p) => ({ origin: `http://127.0.0.1:${p}`, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' }),
      body: Buffer.alloc(1024 * 1024, 32),
      status: 413,
    },
    { name: 'bull-board reads still work', path: '/queues/api/queues', status: 200 },
    // --- token
    {
      name: 'no token',
      target: 'guarded',
      path: '/api/sweeps',
      status: 401,
      message: /^unauthorized: this dashboard needs its token/,
    },
    {
      name: 'wrong token of the same length',
      target: 'guarded',
      path: '/api/sweeps',
      headers: { authorization: `Bearer ${'x'.repeat(token.length)}` },
      status: 401,
    },
    {
      name: 'a prefix of the token',
      target: 'guarded',
      path: '/api/sweeps',
      headers: { authorization: `Bearer ${token.slice(0, -1)}` },
      status: 401,
    },
    {
      name: 'the token plus a character',
      target: 'guarded',
      path: '/api/sweeps',
      headers: { authorization: `Bearer ${token}x` },
      status: 401,
    },
    { name: 'wrong token in the query', target: 'guarded', path: '/api/sweeps?token=nope-nope-nope-nope', status: 401 },
    {
      name: 'wrong token in the cookie',
      target: 'guarded',
      path: '/metrics',
      headers: { cookie: 'iwae_token=guess-guess-guess-1' },
      status: 401,
    },
    { name: 'empty bearer', target: 'guarded', path: '/api/sweeps', headers: { authorization: 'Bearer ' }, status: 401 },
    {
      name: 'the token (control)',
      target: 'guarded',
      path: '/api/sweeps',
      headers: { authorization: `Bearer ${token}` },
      status: 200,
    },
    // --- Content-Disposition from the sweep id
    {
      name: 'export of an id with a quote',
      path: '/api/sweeps/a%22b/export.csv',
      status: 400,
      message: /^sweep id: expected a name of 1-64 characters/,
    },
    { name: 'export of an id with CRLF and a header', path: '/api/sweeps/a%0d%0aSet-Cookie:%20x=1/export.csv', status: 400 },
    { name: 'export of an id with a semicolon', path: '/api/sweeps/a;filename=evil.exe/export.json', status: 400 },
    {
      name: 'export in an unknown format',
      path: '/api/sweeps/hostile/export.html',
      status: 400,
      message: /^export format: csv or json/,
    },
    // --- prototype names
    { name: '/assets/constructor', path: '/assets/constructor', status: 404 },
    { name: '/assets/__proto__', path: '/assets/__proto__', status: 404 },
    { name: '/assets/hasOwnProperty', path: '/assets/hasOwnProperty', status: 404 },
    { name: '/assets/toString', path: '/assets/toString', status: 404 },
    { name: 'a sweep named constructor', path: '/api/sweeps/constructor', status: 404, message: /no sweep \\"constructor\\"/ },
    { name: 'a trial named __proto__', path: '/api/trials/__proto__', status: 404 },
    { name: 'sort by a prototype name', path: '/api/sweeps/hostile/trials?sort=constructor', status: 400 },
    { name: 'filter by a prototype name', path: '/api/sweeps/hostile/trials?status=__proto__', status: 400 },
    // --- paths
    { name: 'asset path traversal, encoded', path: '/assets/..%2f..%2f..%2fpackage.json', status: 404 },
    { name: 'asset path traversal, dot segments', path: '/assets/%2e%2e/%2e%2e/package.json', status: 404 },
    { name: 'bull-board static traversal, encoded', path: '/queues/static/..%2f..%2f..%2f..%2fpackage.json', status: 404 },
    { name: 'bull-board static traversal, raw dot segments', path: '/queues/static/../../../../../../etc/passwd', status: 404 },
  ];
}
