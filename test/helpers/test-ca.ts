import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A throwaway CA and a server certificate for 127.0.0.1 / localhost, made with the openssl CLI, for the
 * test servers (slapd, the SMTP sink). RSA 2048 keys as unencrypted PKCS#8 PEM, which both OpenSSL
 * (Node) and GnuTLS (Debian's slapd) read.
 */
export interface TestCertificates {
  caCertPath: string;
  certPath: string;
  keyPath: string;
  caPem: string;
  cert: string;
  key: string;
}

/** The names the server certificate carries by default. */
const DEFAULT_ALT_NAMES = 'IP:127.0.0.1, DNS:localhost';

const opensslCnf = (altNames: string): string => [
  '[req]',
  'distinguished_name = dn',
  'prompt = no',
  '[dn]',
  'CN = localhost',
  '[v3_ca]',
  'basicConstraints = critical, CA:TRUE',
  'keyUsage = critical, keyCertSign, cRLSign',
  'subjectKeyIdentifier = hash',
  '[v3_server]',
  'basicConstraints = critical, CA:FALSE',
  'keyUsage = critical, digitalSignature, keyEncipherment',
  'extendedKeyUsage = serverAuth',
  `subjectAltName = ${altNames}`,
  'subjectKeyIdentifier = hash',
  'authorityKeyIdentifier = keyid, issuer',
  '',
].join('\n');

function openssl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, (err, _stdout, stderr) => {
      if (err) reject(new Error(`openssl ${args[0]} failed: ${String(stderr).trim()}`));
      else resolve();
    });
  });
}

/**
 * Writes the CA and server material under `dir/tls` (mode 0700) and returns paths and PEM text. The
 * server certificate names `altNames` (openssl subjectAltName syntax; default IP:127.0.0.1, DNS:localhost).
 */
export async function makeTestCertificates(dir: string, caName = 'Helpdesk throwaway test CA', altNames = DEFAULT_ALT_NAMES): Promise<TestCertificates> {
  const tlsDir = join(dir, 'tls');
  await mkdir(tlsDir, { mode: 0o700, recursive: true });
  const f = (name: string): string => join(tlsDir, name);
  await writeFile(f('openssl.cnf'), opensslCnf(altNames));
  const genKey = (out: string) => openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', out]);
  await Promise.all([genKey(f('ca.key')), genKey(f('server.key'))]);
  await openssl(['req', '-new', '-x509', '-config', f('openssl.cnf'), '-subj', `/CN=${caName}`, '-extensions', 'v3_ca',
    '-key', f('ca.key'), '-sha256', '-days', '7', '-out', f('ca.pem')]);
  await openssl(['req', '-new', '-config', f('openssl.cnf'), '-key', f('server.key'), '-out', f('server.csr')]);
  await openssl(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'),
    '-set_serial', `0x${randomBytes(16).toString('hex').replace(/^[89a-f]/u, '1')}`,
    '-sha256', '-days', '7', '-extfile', f('openssl.cnf'), '-extensions', 'v3_server', '-out', f('server.pem')]);
  await Promise.all([chmod(f('ca.key'), 0o600), chmod(f('server.key'), 0o600)]);
  const [caPem, cert, key] = await Promise.all([readFile(f('ca.pem'), 'utf8'), readFile(f('server.pem'), 'utf8'), readFile(f('server.key'), 'utf8')]);
  return { caCertPath: f('ca.pem'), certPath: f('server.pem'), keyPath: f('server.key'), caPem, cert, key };
}
