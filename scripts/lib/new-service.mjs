// Writes a new service from scripts/service-template: its folder, its proto package, its topic in
// @employment/contracts, its port in scripts/lib/platform.sh and its entry in the chart's values.
// Run through scripts/new-service, which then installs, generates and formats.
//   node scripts/lib/new-service.mjs <root> <name> <port>
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const [root, name, portText] = process.argv.slice(2);
const fail = (message) => {
  process.stderr.write(`new-service: ${message}\n`);
  process.exit(1);
};
if (!root || !name || !portText) fail('usage: scripts/new-service <name> <port>');
if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name))
  fail(`"${name}" is not a service name: lower-case letters and digits, words joined by "-"`);
const port = Number(portText);
if (!Number.isInteger(port) || port < 1024 || port > 65535) fail(`"${portText}" is not a port (1024-65535)`);
if (existsSync(join(root, 'services', name))) fail(`services/${name} exists already`);

const words = name.split('-');
const names = {
  __name__: name,
  __snake__: words.join('_'),
  __camel__: words.map((w, i) => (i === 0 ? w : w[0].toUpperCase() + w.slice(1))).join(''),
  __Pascal__: words.map((w) => w[0].toUpperCase() + w.slice(1)).join(''),
  __port__: String(port),
};
const fill = (text) => text.replace(/__(name|snake|camel|Pascal|port)__/g, (m) => names[m]);

// The port: one per service in platform.sh (scripts/start, status and check-images read it there).
const platformFile = join(root, 'scripts', 'lib', 'platform.sh');
const platform = readFileSync(platformFile, 'utf8');
const declared = /^declare -A SERVICE_PORTS=\((.*)\)$/m.exec(platform);
if (!declared) fail('scripts/lib/platform.sh has no SERVICE_PORTS line');
const ports = Object.fromEntries(
  [...declared[1].matchAll(/\[([a-z0-9-]+)\]=(\d+)/g)].map((m) => [m[1], Number(m[2])]),
);
if (ports[name] !== undefined && ports[name] !== port)
  fail(`${name}'s port is ${ports[name]} in scripts/lib/platform.sh, not ${port}`);
const owner = Object.keys(ports).find((other) => other !== name && ports[other] === port);
if (owner) fail(`port ${port} belongs to ${owner} in scripts/lib/platform.sh`);
if (ports[name] === undefined) {
  const line = `declare -A SERVICE_PORTS=(${declared[1]} [${name}]=${port})`;
  writeFileSync(platformFile, platform.replace(declared[0], line));
}

// The files: every template file, its path and its text with the names filled in.
const templateRoot = join(root, 'scripts', 'service-template');
const written = [];
const copy = (dir) => {
  for (const entry of readdirSync(dir)) {
    const from = join(dir, entry);
    if (statSync(from).isDirectory()) {
      copy(from);
      continue;
    }
    const to = join(root, fill(relative(templateRoot, from)));
    if (existsSync(to)) fail(`${relative(root, to)} exists already`);
    mkdirSync(dirname(to), { recursive: true });
    writeFileSync(to, fill(readFileSync(from, 'utf8')));
    written.push(relative(root, to));
  }
};
copy(templateRoot);

// The contracts: the generated module's exports and the service's topic.
const contractsFile = join(root, 'packages', 'contracts', 'src', 'index.ts');
let contracts = readFileSync(contractsFile, 'utf8');
const exportLine = `export * from './gen/employment/${names.__snake__}/v1/events_pb.js';`;
if (!contracts.includes(exportLine)) {
  const lastGen = [...contracts.matchAll(/^export \* from '\.\/gen\/.*$/gm)].at(-1);
  if (!lastGen) fail('packages/contracts/src/index.ts exports no generated module');
  const at = lastGen.index + lastGen[0].length;
  contracts = `${contracts.slice(0, at)}\n${exportLine}${contracts.slice(at)}`;
}
const topics = /export const Topics = \{([\s\S]*?)\n\} as const;/.exec(contracts);
if (!topics) fail('packages/contracts/src/index.ts has no Topics');
if (!new RegExp(`^\\s+'?${names.__camel__}'?:`, 'm').test(topics[1])) {
  contracts = contracts.replace(
    topics[0],
    `export const Topics = {${topics[1]}\n  ${names.__camel__}: 'employment.${name}.v1',\n} as const;`,
  );
}
writeFileSync(contractsFile, contracts);

// The chart: the service's entry, last in `services:` (the last key of values.yaml).
const valuesFile = join(root, 'charts', 'employment-platform', 'values.yaml');
const values = readFileSync(valuesFile, 'utf8');
const topLevel = [...values.matchAll(/^([a-zA-Z][\w-]*):/gm)].map((m) => m[1]);
if (topLevel.at(-1) !== 'services')
  fail('`services:` is no longer the last key of values.yaml: add the entry by hand');
const entry = [
  `  ${name}:`,
  '    kafka:',
  '      consumerGroups:',
  `        - { name: ${name}-people, topics: [employment.residents.v1] }`,
  '    ingress:',
  '      paths:',
  '        - /v1/applications',
  '        - /v1/audit-log',
  '',
].join('\n');
writeFileSync(valuesFile, `${values.replace(/\n*$/, '\n')}${entry}`);

process.stdout.write(
  `${[...written, 'packages/contracts/src/index.ts', 'scripts/lib/platform.sh', 'charts/employment-platform/values.yaml'].join('\n')}\n`,
);
