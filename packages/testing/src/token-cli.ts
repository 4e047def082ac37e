// Prints a bearer token from the local issuer, for trying the API by hand.
// usage: node token-cli.ts <key-file> [--client ID] [--area CODE]... [--role ROLE]... [--ttl SECONDS]
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalIssuer } from '@employment/http';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    client: { type: 'string', default: 'district-420102' },
    area: { type: 'string', multiple: true },
    role: { type: 'string', multiple: true },
    ttl: { type: 'string', default: '3600' },
  },
});
const keyFile = positionals[0];
if (!keyFile) {
  process.stderr.write('usage: token-cli.ts <key-file> [--client ID] [--area CODE]... [--role ROLE]...\n');
  process.exit(2);
}
const issuer = await LocalIssuer.create({ keyFile });
const token = await issuer.token({
  clientId: values.client,
  areas: values.area ?? [values.client.match(/\d{6,12}$/)?.[0] ?? '420102'],
  roles: values.role ?? everyServiceRole(),
  ttlSeconds: Number(values.ttl),
});
process.stdout.write(`${token}\n`);

/** By default a token may read and write in every service of the repository (services/_* left out). */
function everyServiceRole(): string[] {
  const services = join(import.meta.dirname, '..', '..', '..', 'services');
  return readdirSync(services)
    .filter((name) => !name.startsWith('_') && existsSync(join(services, name, 'src', 'main.ts')))
    .sort()
    .flatMap((name) => [`${name}:read`, `${name}:write`]);
}
