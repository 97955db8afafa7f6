// @ts-check
// Talking to the server: JSON reads, and the three sweep actions (with the header the server's
// request guard requires of every write).
/**
 * GETs (or sends) and parses JSON; a refusal's message becomes the error's.
 * @template T
 * @param {string} path
 * @param {RequestInit} [opts]
 * @returns {Promise<T>}
 */
export async function api(path, opts = {}) {
  const res = await fetch(path, { credentials: 'same-origin', ...opts });
  const text = await res.text();
  /** @type {unknown} */
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    // Refusals (host, origin, token) are one line of plain text.
    body = { error: text.trim() };
  }
  if (!res.ok) {
    const said = body && typeof body === 'object' && 'error' in body ? String(body.error) : '';
    throw new Error(said || `${res.status} ${res.statusText}`);
  }
  return /** @type {T} */ (body);
}

/**
 * Shows a one-line message above the page.
 * @param {string} text
 */
export function flash(text) {
  let el = document.getElementById('message');
  if (!el) {
    el = document.createElement('div');
    el.id = 'message';
    el.className = 'message';
    document.getElementById('app')?.prepend(el);
  }
  el.textContent = text;
}

/**
 * @param {string} sweepId
 * @param {string} action
 */
async function act(sweepId, action) {
  if (
    action === 'cancel' &&
    !window.confirm(`Cancel sweep ${sweepId}? Queued trials are dropped; running ones stop at their next epoch.`)
  )
    return;
  /** @type {{ message: string }} */
  const out = await api(`/api/sweeps/${encodeURIComponent(sweepId)}/${encodeURIComponent(action)}`, {
    method: 'POST',
    headers: { 'x-iwae-action': '1' },
  });
  flash(out.message);
}

/**
 * The pause/resume/cancel buttons of a sweep.
 * @param {{ state: string, status: string }} s
 */
export const actionButtons = (s) => {
  // A sweep that has ended (all done, or cancelled) has nothing left to pause, resume or cancel.
  const ended = s.state === 'cancelled' || s.status === 'done';
  const off = (/** @type {boolean} */ disabled) => (ended || disabled ? 'disabled' : '');
  return (
    `<button data-action="pause" ${off(s.state !== 'active')}>Pause</button>` +
    `<button data-action="resume" ${off(s.state !== 'paused')}>Resume</button>` +
    `<button data-action="cancel" class="danger" ${off(false)}>Cancel</button>`
  );
};

/**
 * Wires the action buttons under `root` (each acts on its row's `data-sweep`, else `sweepId`).
 * @param {ParentNode} root
 * @param {string | undefined} sweepId
 * @param {() => unknown} after
 */
export function bindActions(root, sweepId, after) {
  for (const b of root.querySelectorAll('button[data-action]')) {
    if (!(b instanceof HTMLButtonElement)) continue;
    b.addEventListener('click', async (ev) => {
      ev.preventDefault();
      const target = b.closest('[data-sweep]');
      const id = (target instanceof HTMLElement ? target.dataset.sweep : undefined) || sweepId;
      try {
        if (id && b.dataset.action) await act(id, b.dataset.action);
        after();
      } catch (err) {
        flash(`error: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  }
}
