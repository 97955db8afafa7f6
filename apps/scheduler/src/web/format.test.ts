import { describe, expect, it } from 'vitest';
import { escapeHtml, formatSeconds } from './format.js';

describe('escapeHtml (server and browser)', () => {
  it('escapes the five characters that matter in content and attributes, and nothing else', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&amp;`)).toBe('&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;amp;');
    expect(escapeHtml('plain text, ünïcode – 1/2')).toBe('plain text, ünïcode – 1/2');
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(undefined)).toBe('');
    expect(escapeHtml(0)).toBe('0');
    // A prototype name is just text.
    expect(escapeHtml('constructor')).toBe('constructor');
  });
});

describe('formatSeconds (terminal, report and dashboard)', () => {
  it('reads in the largest sensible unit', () => {
    expect(formatSeconds(0)).toBe('0.0 s');
    expect(formatSeconds(42.04)).toBe('42.0 s');
    expect(formatSeconds(192)).toBe('3 min 12 s');
    expect(formatSeconds(2 * 3600 + 5 * 60)).toBe('2 h 5 min');
  });
  it('says when there is no duration', () => {
    expect(formatSeconds(Number.NaN)).toBe('?');
    expect(formatSeconds(Number.POSITIVE_INFINITY)).toBe('?');
    expect(formatSeconds(null, '–')).toBe('–');
    expect(formatSeconds(undefined, '–')).toBe('–');
  });
});
