#!/usr/bin/env node
// Starts the built gateway on other Node majors (default 22 and 24) and checks that a
// newcomer's path works on each: migrations and demo data on the embedded database, a
// GraphQL query and a REST call with the demo key, the CLI's --version, and a clean stop on
// SIGTERM. Each Node binary comes from the npm `node` package, installed under
// .cache/node-<major>/ (nothing global; npm's registry only). Exits non-zero on any failure.
//
//   node scripts/other-node-versions.js [22 24]   (after `npm run build`)
const { execFileSync, spawn } = require('node:child_process');
const { existsSync, mkdirSync, mkdtempSync, rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const majors = process.argv.slice(2).length ? process.argv.slice(2) : ['22', '24'];

function nodeBinary(major) {
  const prefix = path.join(root, '.cache', `node-${major}`);
  const binary = path.join(prefix, 'node_modules', 'node', 'node_modules', `node-${process.platform}-${process.arch}`, 'bin', 'node');
  if (!existsSync(binary)) {
    mkdirSync(prefix, { recursive: true });
    execFileSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `node@${major}`], { stdio: 'inherit' });
  }
  return binary;
}

function startGateway(binary, dataDir) {
  const child = spawn(binary, ['dist/src/main.js'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATA_DIR: dataDir, DEMO_CUSTOMERS: '20' },
  });
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no welcome within 120 s:\n${stderr}`)), 120_000);
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const endpoint = /GraphQL endpoint: (http:\/\/localhost:\d+)\/graphql/.exec(stderr)?.[1];
      const key = /Demo API key \(test environment\): (lomi_\S+)/.exec(stderr)?.[1];
      if (endpoint && key) {
        clearTimeout(timer);
        resolve({ child, base: endpoint.replace('localhost', '127.0.0.1'), key });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening:\n${stderr}`));
    });
  });
}

function stop(child) {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', (code, signal) => resolve(signal ?? code));
    child.kill('SIGTERM');
  });
}

async function check(major) {
  const binary = nodeBinary(major);
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  const cliVersion = execFileSync(binary, ['dist/src/cli/main.js', '--version'], { cwd: root, encoding: 'utf8' }).trim();
  const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), `gateway-node${major}-`)), 'data');
  const { child, base, key } = await startGateway(binary, dataDir);
  try {
    const graphql = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ query: '{ customers(pageSize: 3, status: ACTIVE) { customers { id name } pagination { totalCount } } }' }),
    });
    const body = await graphql.json();
    if (graphql.status !== 200 || body.errors || !Array.isArray(body.data?.customers?.customers)) throw new Error(`GraphQL answered ${graphql.status}: ${JSON.stringify(body)}`);
    const rest = await fetch(`${base}/customers?pageSize=2`, { headers: { 'x-api-key': key } });
    if (rest.status !== 200) throw new Error(`GET /customers answered ${rest.status}`);
  } finally {
    const ended = await stop(child);
    rmSync(path.dirname(dataDir), { recursive: true, force: true });
    if (ended !== 0) throw new Error(`the gateway did not stop cleanly on SIGTERM (${ended})`);
  }
  console.log(`Node ${version}: gateway started, answered GraphQL and REST with the demo key, stopped cleanly; CLI ${cliVersion}`);
}

(async () => {
  for (const major of majors) await check(major);
})().catch((error) => {
  console.error(`other Node versions: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
