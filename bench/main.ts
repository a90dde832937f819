import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * `npm run bench`: every `*.bench.ts` here, one after another (they measure; running two at once
 * on a small machine would measure each other), gathered into docs/benchmarks.md.
 */
const root = resolve(import.meta.dirname, '..');
const only = process.argv.slice(2);
const benches = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const sections: string[] = [];
for (const file of benches) {
  console.error(`running ${file}…`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', file)], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000 });
  sections.push(run.status === 0 ? run.stdout.trim() : `## ${file}\n\nFailed (exit ${run.status}):\n\n\`\`\`\n${(run.stderr || run.stdout).slice(-2000)}\n\`\`\``);
}

const report = `# Benchmark report

Regenerate with \`npm run bench\` (or \`npm run bench -- <name>\` for one). Not part of \`npm test\`:
timings depend on the machine. This run: ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}.
Peers run in the same process run as ours, so ratios compare like with like.

${sections.join('\n\n')}
`;
mkdirSync(join(root, 'docs'), { recursive: true });
if (only.length === 0) writeFileSync(join(root, 'docs/benchmarks.md'), report);
console.log(report);
