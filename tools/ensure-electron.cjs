// Makes sure Electron's binary is present before `npm start`: npm 11 skips electron's own install script (package.json
// denies it under allowScripts), so run it here once, and say clearly what to do when the machine is offline.
// CommonJS on purpose: it runs before anything is built, with plain `node`.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const path = require('node:path');

const packageDir = process.env.CRUCIBLE_ELECTRON_PACKAGE_DIR || path.resolve(__dirname, '..', 'node_modules', 'electron');

function binaryIsPresent() {
  const pathFile = path.join(packageDir, 'path.txt');
  if (!existsSync(pathFile)) return false;
  return existsSync(path.join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim()));
}

function main() {
  if (!existsSync(path.join(packageDir, 'package.json'))) {
    console.error('ensure-electron: the electron package is not installed (it is optional). Run "npm install" with internet access, or use "npx crucible studio" to open the studio in a browser.');
    return 1;
  }
  if (binaryIsPresent()) return 0;
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  console.log(`ensure-electron: downloading the Electron ${version} binary (once)…`);
  const result = spawnSync(process.execPath, [path.join(packageDir, 'install.js')], { cwd: packageDir, stdio: 'inherit', env: process.env });
  if (result.status === 0 && binaryIsPresent()) return 0;
  console.error(
    [
      `ensure-electron: could not download Electron ${version} (install.js exited with ${result.status ?? result.signal}).`,
      'The desktop app needs internet access once to fetch it. Without it everything else still works:',
      '  npx crucible studio      # the same studio in your browser',
      'Behind a proxy or mirror, set ELECTRON_MIRROR (see https://www.electronjs.org/docs/latest/tutorial/installation).',
    ].join('\n'),
  );
  return 1;
}

process.exitCode = main();
