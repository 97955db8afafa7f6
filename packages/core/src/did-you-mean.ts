/**
 * Suggestions for misspelt names ("did you mean `epochs`?"): the closest candidate by
 * optimal-string-alignment distance (typos, doubled or swapped letters), ignoring case, if it is
 * close enough to be a plausible typo.
 */
export function closestName(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  // One edit per three letters, at least one: `kk`→`k`, `epocs`→`epochs`, `lerningRate`→`learningRate`.
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** What an unknown name should have been: the likely one first, then every allowed name. */
export function unknownNameExpected(word: string, candidates: readonly string[], what = 'field'): string {
  const guess = closestName(word, candidates);
  const list = `one of ${[...candidates].sort().join(', ')}`;
  return guess ? `no such ${what}; did you mean \`${guess}\`? (${list})` : `no such ${what} (${list})`;
}

function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(
        (d[(i - 1) * cols + j] as number) + 1,
        (d[i * cols + j - 1] as number) + 1,
        (d[(i - 1) * cols + j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, (d[(i - 2) * cols + j - 2] as number) + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1] as number;
}
