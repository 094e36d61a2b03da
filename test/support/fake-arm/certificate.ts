import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Certificate {
  readonly keyPem: string;
  readonly certPem: string;
  /** The certificate file: what `NODE_EXTRA_CA_CERTS` of a child process points at. */
  readonly certPath: string;
  /** The private key file (servers that take a path, such as Azurite's `--key`). */
  readonly keyPath: string;
}

/**
 * A self-signed certificate for 127.0.0.1, made fresh per server so no key material lives in the repo.
 * It is its own CA (OpenSSL's `req -x509` marks it CA:TRUE), so trusting it as a CA is enough for
 * Node's verification, and the IP subjectAltName makes hostname checks pass for https://127.0.0.1.
 */
export async function createCertificate(directory: string): Promise<Certificate> {
  const keyPath = join(directory, 'key.pem');
  const certPath = join(directory, 'cert.pem');
  await run(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      '/CN=fake-arm.127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { timeout: 20_000 },
  );
  const [keyPem, certPem] = await Promise.all([readFile(keyPath, 'utf8'), readFile(certPath, 'utf8')]);
  return { keyPem, certPem, certPath, keyPath };
}
