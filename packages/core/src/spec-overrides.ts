import { type Document, isCollection, parseDocument } from 'yaml';
import { type FieldProblem, ValidationError } from './errors.ts';

type Path = (string | number)[];

const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Names that would reach Object.prototype instead of the spec. */
const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Applies Hydra-style command-line overrides to a parsed spec document: `base.epochs=3`,
 * `grid.k=[1,10]`, `random.params.latent={int: [10, 100]}`. The value is YAML (flow style), the
 * path a dotted list of keys; the result is validated exactly like the file. Returns the paths
 * set, so their problems are reported as coming from the command line rather than a file line.
 */
export function applyOverrides(doc: Document, overrides: readonly string[], source: string): Path[] {
  const problems: FieldProblem[] = [];
  const applied: Path[] = [];
  for (const text of overrides) {
    const eq = text.indexOf('=');
    const field = `override ${JSON.stringify(text)}`;
    if (eq <= 0) {
      problems.push({ field, value: text, expected: 'path=value, e.g. base.epochs=3 or grid.k=[1,10]' });
      continue;
    }
    const path = text.slice(0, eq).split('.');
    const bad = path.find((p) => !SEGMENT.test(p) || RESERVED.has(p));
    if (bad !== undefined) {
      problems.push({ field, value: bad, expected: 'a dotted path of field names (letters, digits, _), e.g. base.epochs' });
      continue;
    }
    const valueDoc = parseDocument(text.slice(eq + 1));
    if (valueDoc.errors.length > 0) {
      problems.push({
        field,
        value: text.slice(eq + 1),
        expected: `a YAML value (${valueDoc.errors[0]?.message.split('\n')[0]})`,
      });
      continue;
    }
    // Set through the parents that exist; a scalar in the way cannot take a key.
    for (let depth = 1; depth < path.length; depth++) {
      const parent = doc.getIn(path.slice(0, depth), true);
      if (parent !== undefined && !isCollection(parent)) {
        problems.push({
          field,
          value: path.slice(0, depth).join('.'),
          expected: 'a mapping to set a key in (it is a single value)',
        });
        break;
      }
    }
    if (problems.some((p) => p.field === field)) continue;
    doc.setIn(path, doc.createNode(valueDoc.toJS({ maxAliasCount: 0 })));
    applied.push(path);
  }
  if (problems.length > 0) throw new ValidationError(`${source} overrides`, problems);
  return applied;
}
