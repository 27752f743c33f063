// Before `npm test`: the browser and PDF tools the end-to-end and pdfsig tests use come from
// Debian (chromium, poppler-utils). Where they are missing and we are root on Debian, install
// them as .ci/run does; elsewhere say loudly which tests will be skipped and how to get them.
// Under CI=true a missing tool is an error: nothing may be skipped there.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const has = (cmd) => !spawnSync(cmd, ['-v'], { stdio: 'ignore' }).error;
const missing = () =>
  [!existsSync(chromium) && 'chromium', !(has('pdfsig') && has('pdftoppm')) && 'poppler-utils'].filter(Boolean);

let packages = missing();
if (packages.length && process.getuid?.() === 0 && has('apt-get') && existsSync('/etc/debian_version')) {
  console.log(`Installing ${packages.join(' and ')} for the browser and PDF tests (apt-get)...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env });
  packages = missing();
}
if (packages.length) {
  const line = '!'.repeat(100);
  console.error(
    `\n${line}\n  ${packages.join(' and ')} not found: the browser (test/e2e) and pdfsig tests will be SKIPPED.\n` +
      `  Install with: sudo apt-get install -y ${packages.join(' ')}   (or set CHROMIUM_PATH)\n${line}\n`,
  );
  if (process.env.CI === 'true') process.exit(1);
}
