// The local identity provider of the development platform: serves the JWKS that services verify
// tokens against. usage: node dev-issuer.ts <key-file> <port>
import { LocalIssuer } from '@employment/http';

const [keyFile, port] = process.argv.slice(2);
if (!keyFile || !port) {
  process.stderr.write('usage: dev-issuer.ts <key-file> <port>\n');
  process.exit(2);
}
const issuer = await LocalIssuer.create({ keyFile });
const { server, jwksUrl } = await issuer.serve(Number(port));
process.stdout.write(`${JSON.stringify({ level: 'info', message: 'dev issuer listening', jwksUrl })}\n`);
const close = () => server.close(() => process.exit(0));
process.on('SIGTERM', close);
process.on('SIGINT', close);
