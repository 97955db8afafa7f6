// @ts-check
// The sweep page's live learning curves: one bound per epoch of the selected trials, grown in
// place as epochs arrive (no reload).
import { api } from './api.js';
import { trainLkOfEachLabel } from './bound-labels.js';
import { trialLabel } from './cells.js';

/** @typedef {import('./api-types.js').LiveEpoch} LiveEpoch */
/** @typedef {import('./api-types.js').TableRow} TableRow */

/** @typedef {'validationBound' | 'trainIwae' | 'trainBound'} LiveKey */

/**
 * @param {{ el: HTMLElement, selected: Set<string>, rows: Map<string, TableRow> }} opts
 */
export function learningCurves({ el, selected, rows }) {
  /** @type {Map<string, LiveEpoch[]>} */
  let curves = new Map();
  /** @type {InstanceType<typeof uPlot> | undefined} */
  let chart;
  /** @type {{ key: LiveKey, label: string } | undefined} */
  let figure;

  /**
   * The figure the live chart compares: the held-out validation bound when every selected trial
   * records it (the same bound for all), else train L_K, else (older workers) the objective.
   * @param {string[]} ids
   * @returns {{ key: LiveKey, label: string }}
   */
  function curveFigure(ids) {
    /** @param {LiveKey} key */
    const every = (key) => ids.every((t) => (curves.get(t) ?? []).some((e) => e[key] !== null && e[key] !== undefined));
    if (ids.length && every('validationBound')) return { key: 'validationBound', label: 'validation L_k (nats)' };
    if (ids.length && every('trainIwae'))
      return { key: 'trainIwae', label: `${trainLkOfEachLabel(ids.map((t) => rows.get(t) ?? {}))} (nats)` };
    return { key: 'trainBound', label: 'training objective (nats)' };
  }

  function draw() {
    const ids = [...selected].filter((t) => curves.has(t));
    const next = curveFigure(ids);
    const series = ids.map((t) =>
      (curves.get(t) ?? []).map((e) => ({ x: e.epoch, y: e[next.key] ?? null })).filter((p) => p.y !== null),
    );
    el.dataset.points = String(series.reduce((a, s) => a + s.length, 0));
    if (ids.length === 0) {
      el.innerHTML = '<p class="muted">no trial selected</p>';
      chart = undefined;
      return;
    }
    const labels = ids.map((t) => {
      const row = rows.get(t);
      return row ? trialLabel(row) : t;
    });
    const data = IwaeCharts.align(series);
    if (chart && chart.series.length === ids.length + 1 && figure?.key === next.key) chart.setData(data);
    else {
      figure = next;
      chart?.destroy();
      chart = new uPlot(
        {
          width: Math.min(el.clientWidth || 900, 1150),
          height: 300,
          scales: { x: { time: false } },
          axes: [
            { label: 'epoch', incrs: IwaeCharts.INTEGER_STEPS, values: (_u, ticks) => ticks.map(String) },
            { label: next.label, size: 70 },
          ],
          series: [
            { label: 'epoch', value: (_u, v) => (v == null ? '' : String(v)) },
            ...labels.map((l) => ({
              label: l,
              value: (/** @type {unknown} */ _u, /** @type {number | null} */ v) => (v == null ? '' : v.toFixed(2)),
              stroke: IwaeCharts.colorOf(l),
              width: 1.5,
              spanGaps: true,
              points: { size: 5 },
            })),
          ],
        },
        data,
        el,
      );
    }
  }

  return {
    /** Loads the selected trials' epochs so far and redraws. */
    async load() {
      const ids = [...selected];
      /** @type {LiveEpoch[]} */
      const epochs = ids.length ? await api(`/api/epochs?trials=${ids.map(encodeURIComponent).join(',')}`) : [];
      curves = new Map(ids.map((t) => [t, /** @type {LiveEpoch[]} */ ([])]));
      for (const e of epochs) curves.get(e.trialId)?.push(e);
      draw();
    },
    /**
     * New epochs from the live stream.
     * @param {LiveEpoch[]} epochs
     */
    add(epochs) {
      for (const e of epochs) {
        const list = curves.get(e.trialId);
        if (list && !list.some((x) => x.epoch === e.epoch)) list.push(e);
      }
      for (const list of curves.values()) list.sort((a, b) => a.epoch - b.epoch);
      draw();
    },
  };
}
