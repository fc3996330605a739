import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** File paths of a throw-away CA, a server certificate for 127.0.0.1/localhost, and a client certificate. */
export interface TestCerts {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** For routes: one certificate serves as server and client (both key usages), for 127.0.0.1/localhost. */
  routeCert: string;
  routeKey: string;
  cleanup(): void;
}

/** Real certificates made with openssl at test time (nothing secret is kept in the repository). */
export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(path.join(tmpdir(), 'natstream-certs-'));
  const f = (name: string) => path.join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca-key.pem'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=natstream test CA');
  writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  writeFileSync(f('client.ext'), 'extendedKeyUsage=clientAuth\n');
  writeFileSync(f('route.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  for (const who of ['server', 'client', 'route']) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${who}-key.pem`), '-out', f(`${who}.csr`), '-subj', `/CN=natstream test ${who}`);
    ssl('x509', '-req', '-in', f(`${who}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca-key.pem'), '-CAcreateserial',
      '-out', f(`${who}.pem`), '-days', '2', '-extfile', f(`${who}.ext`));
  }
  return {
    dir,
    ca: f('ca.pem'),
    serverCert: f('server.pem'),
    serverKey: f('server-key.pem'),
    clientCert: f('client.pem'),
    clientKey: f('client-key.pem'),
    routeCert: f('route.pem'),
    routeKey: f('route-key.pem'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
