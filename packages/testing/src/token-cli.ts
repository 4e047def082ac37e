// Prints a bearer token from the local issuer, for trying the API by hand.
// usage: node token-cli.ts <key-file> [--client ID] [--subject ID] [--area CODE]... [--role ROLE]... [--ttl SECONDS]
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalIssuer } from '@employment/http';

const USAGE =
  'usage: token-cli.ts <key-file> [--client ID] [--subject ID] [--area CODE]... [--role ROLE]... [--ttl SECONDS]\n';
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    client: { type: 'string', default: 'district-420102' },
    // The person acting for the client (the token's `sub`); the client itself when not given.
    subject: { type: 'string' },
    area: { type: 'string', multiple: true },
    role: { type: 'string', multiple: true },
    // The services refuse tokens valid for longer than AUTH_MAX_TOKEN_LIFETIME_SECONDS (1 hour by default).
    ttl: { type: 'string', default: String(LocalIssuer.DEFAULT_TTL_SECONDS) },
  },
});
const keyFile = positionals[0];
if (!keyFile) {
  process.stderr.write(USAGE);
  process.exit(2);
}
const ttlSeconds = Number(values.ttl);
if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
  process.stderr.write(`--ttl must be a whole number of seconds\n${USAGE}`);
  process.exit(2);
}
const issuer = await LocalIssuer.create({ keyFile });
const token = await issuer.token({
  clientId: values.client,
  ...(values.subject ? { subject: values.subject } : {}),
  areas: values.area ?? [values.client.match(/\d{6,12}$/)?.[0] ?? '420102'],
  roles: values.role ?? everyServiceRole(),
  ttlSeconds,
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
