// Sums the results of every test phase and prints the closing line `N passed, N failed`.
// Exits 1 when anything failed or nothing ran.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
let passed = 0;
let failed = 0;
const failures = [];

for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()) {
  const data = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  if (file === 'vitest.json') {
    passed += data.numPassedTests ?? 0;
    // A failed test counts once; a file that failed without running any test (an import or hook error)
    // counts as one failure of its own. Vitest's numFailedTestSuites would count each describe block again.
    failed += data.numFailedTests ?? 0;
    for (const suite of data.testResults ?? []) {
      if (suite.status === 'failed' && !(suite.assertionResults ?? []).some((t) => t.status === 'failed')) {
        failed += 1;
        failures.push(`${suite.name}: ${String(suite.message).split('\n')[0]}`);
      }
      for (const t of suite.assertionResults ?? []) {
        if (t.status === 'failed') failures.push(`${suite.name} > ${t.fullName}`);
      }
    }
  } else {
    passed += data.passed ?? 0;
    failed += data.failed ?? 0;
    for (const f of data.failures ?? []) failures.push(f);
    if ((data.failed ?? 0) > 0 && !data.failures) failures.push(`${data.name ?? file}`);
  }
}
if (!existsSync(join(dir, 'vitest.json'))) {
  failed += 1;
  failures.push('vitest produced no report');
}
if (failures.length > 0) {
  console.log('\nFailed:');
  for (const f of failures) console.log(`  - ${f}`);
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
