/**
 * Characters that must never reach a terminal raw: C0 controls, DEL, C1 controls (U+009B is a
 * one-byte CSI) and the bidirectional overrides that reorder what a reader sees.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export const escapeChar = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * Text from the DB or the user for a terminal: every control or bidi character shown as \uXXXX
 * (newlines kept when asked, for multi-line messages).
 */
export function terminalSafe(text: string, opts: { keepNewlines?: boolean } = {}): string {
  return text.replace(UNSAFE, (c) => (opts.keepNewlines && c === '\n' ? c : escapeChar(c)));
}
