import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './processes.ts';
import { SCORECARD_FILE, type ScenarioScore } from './scorecard.ts';

/**
 * `npm run scorecard`: runs the fault-injection, load and fuzz suites and writes docs/scorecard.md,
 * one row per scenario. Each scenario's own test already fails on any loss or duplicate; this
 * only gathers what they counted.
 */
const SPECS = [
  'e2e/fault-scenarios.spec.ts',
  'e2e/bridge-faults.spec.ts',
  'e2e/leader.spec.ts',
  'e2e/outbox-faults.spec.ts',
  'e2e/storage-quota.spec.ts',
  'e2e/load.spec.ts',
  'e2e/updates.spec.ts',
  'e2e/bridge-self-update.spec.ts',
];

// `--from <scorecard.jsonl>`: only format what a test run (CI's, say) already recorded.
const fromIndex = process.argv.indexOf('--from');
const source = fromIndex > 0 ? process.argv[fromIndex + 1] : SCORECARD_FILE;
let run: { status: number | null } = { status: 0 };
if (fromIndex < 0) {
  rmSync(SCORECARD_FILE, { force: true });
  const vite = join(ROOT, 'node_modules/vite/bin/vite.js');
  for (const mode of [[], ['--mode', 'e2e']]) {
    const b = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn', ...mode], { cwd: ROOT, stdio: 'inherit' });
    if (b.status !== 0) process.exit(b.status ?? 1);
  }
  run = spawnSync(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'vitest.e2e.config.ts', ...SPECS.filter((s) => existsSync(join(ROOT, s)))], { cwd: ROOT, stdio: 'inherit' });
}

const rows = existsSync(source)
  ? readFileSync(source, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ScenarioScore)
  : [];
const cell = (v: number | undefined, unit = '') => (v === undefined ? '—' : `${Math.round(v * 10) / 10}${unit}`);
const table = rows
  .map((r) => `| ${r.scenario} | ${r.sent} | ${r.delivered} | ${r.lost} | ${r.duplicated} | ${cell(r.peakMemoryMb, ' MB')} | ${cell(r.peakPageHeapMb, ' MB')} | ${cell(r.peakEngineHeapMb, ' MB')} | ${cell(r.p99QueryMs, ' ms')} |`)
  .join('\n');
const report = `# Scorecard: nothing lost, nothing duplicated

Regenerate with \`npm run scorecard\` (real Chromium, the real bridge process, the dev cloud and simulated
analyzers; about ten minutes). Each scenario's test fails on any lost or duplicated result, so a row
here is also a passing test. Counts are results (one analyzer result = one cloud row expected).
Generated ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; suites ${run.status === 0 ? 'all passed' : `FAILED (exit ${run.status})`}.

Peak memory: the bridge process's RSS, and the JS heaps of the console page's main thread and of its
engine worker (read over the DevTools protocol).

| scenario | sent | delivered | lost | duplicated | bridge RSS | page heap | engine heap | p99 query latency |
|---|---|---|---|---|---|---|---|---|
${table}
`;
mkdirSync(join(ROOT, 'docs'), { recursive: true });
writeFileSync(join(ROOT, 'docs/scorecard.md'), report);
console.log(report);
process.exit(run.status ?? 1);
