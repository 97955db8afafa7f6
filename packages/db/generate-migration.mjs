// Regenerates SQL migrations from src/schema.ts (drizzle-kit), then makes the composite-key
// tables WITHOUT ROWID, which drizzle-kit cannot express: rows clustered by their key are read
// in one range scan. Run: pnpm --filter @iwae-sweep/db generate -- --name <what-changed>
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const WITHOUT_ROWID = [
  'epochs',
  'model_stats',
  'model_bounds',
  'model_epochs',
  'sweep_runs',
  'group_stats',
  'group_bounds',
  'group_epochs',
];
// pnpm passes a `--` separator through to the script; drizzle-kit rejects it.
const args = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'));
execFileSync('drizzle-kit', ['generate', ...args], { stdio: 'inherit' });
for (const file of readdirSync('drizzle').filter((f) => f.endsWith('.sql'))) {
  let sql = readFileSync(`drizzle/${file}`, 'utf8');
  for (const table of WITHOUT_ROWID) {
    sql = sql.replace(new RegExp(`(CREATE TABLE \`${table}\` \\([\\s\\S]*?\\n\\));`), '$1 WITHOUT ROWID;');
  }
  writeFileSync(`drizzle/${file}`, sql);
}
