/**
 * The node's TLS certificate and key (settings `tls.certFile` / `tls.keyFile`), shared by every TLS
 * listener (RTMPS, RTSPS, HTTPS). The files are polled (fs.watchFile: stat, so a renewal that swaps a
 * symlink or renames a new file into place is seen, which fs.watch on the old inode would miss); when
 * they change and the new pair loads (certificate and key match), the new pair is used for every new
 * connection and subscribers are told (the HTTPS app re-listens). A half-written renewal (new
 * certificate, old key) is not an error: the current pair stays until the files agree.
 */
import { readFile } from 'node:fs/promises';
import { mkdtempSync, rmSync, unwatchFile, watchFile, writeFileSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../log/logger.ts';

export interface TlsFiles {
  /** PEM certificate (chain: leaf first, then intermediates). */
  readonly certFile: string;
  /** PEM private key of the leaf certificate. */
  readonly keyFile: string;
}

export interface TlsCertificateOptions extends TlsFiles {
  /** How often the files are polled for a change (ms). */
  readonly watchIntervalMs: number;
  /** A change is read this long after the last stat change, so cert and key written one after the other are read together (ms). Defaults to 250. */
  readonly settleMs?: number;
  readonly log: Logger;
}

interface LoadedPair {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly context: tls.SecureContext;
  /** SHA-256 fingerprint of the leaf, as openssl prints it (AA:BB:...). */
  readonly fingerprint256: string;
  readonly validTo: string;
}

async function loadPair(files: TlsFiles): Promise<LoadedPair> {
  let cert: Buffer;
  let key: Buffer;
  try {
    [cert, key] = await Promise.all([readFile(files.certFile), readFile(files.keyFile)]);
  } catch (err) {
    throw new Error(`cannot read TLS certificate/key: ${(err as Error).message}`, { cause: err });
  }
  let context: tls.SecureContext;
  let leaf: X509Certificate;
  try {
    // createSecureContext checks that the key belongs to the certificate ("key values mismatch").
    context = tls.createSecureContext({ cert, key });
    leaf = new X509Certificate(cert);
  } catch (err) {
    throw new Error(`TLS certificate ${files.certFile} and key ${files.keyFile} do not load: ${(err as Error).message}`, { cause: err });
  }
  return { cert, key, context, fingerprint256: leaf.fingerprint256, validTo: leaf.validTo };
}

export class TlsCertificate {
  readonly files: TlsFiles;
  #pair: LoadedPair;
  readonly #listeners = new Set<() => void>();
  readonly #options: TlsCertificateOptions;
  #settle: NodeJS.Timeout | null = null;
  #closed = false;
  #reloading: Promise<boolean> = Promise.resolve(false);
  readonly #onStat = (curr: Stats, prev: Stats): void => {
    if (curr.mtimeMs === prev.mtimeMs && curr.size === prev.size && curr.ino === prev.ino) return;
    if (this.#settle !== null) clearTimeout(this.#settle);
    this.#settle = setTimeout(() => {
      this.#settle = null;
      void this.reload();
    }, this.#options.settleMs ?? 250);
    this.#settle.unref();
  };

  private constructor(options: TlsCertificateOptions, pair: LoadedPair) {
    this.#options = options;
    this.files = { certFile: options.certFile, keyFile: options.keyFile };
    this.#pair = pair;
  }

  /** Loads the pair (throws with the file names when it does not load) and starts watching the files. */
  static async open(options: TlsCertificateOptions): Promise<TlsCertificate> {
    const cert = new TlsCertificate(options, await loadPair(options));
    for (const f of new Set([options.certFile, options.keyFile])) watchFile(f, { interval: options.watchIntervalMs, persistent: false }, cert.#onStat);
    options.log.info('TLS certificate loaded', { certFile: options.certFile, sha256: cert.fingerprint256, validTo: cert.#pair.validTo });
    return cert;
  }

  /** The context of the current pair, for a new TLS connection. */
  get secureContext(): tls.SecureContext {
    return this.#pair.context;
  }

  /**
   * Runs `fn` with the current pair written to private files (a 0700 temp directory, 0600 files)
   * that are removed when it returns: for servers that only load a certificate from files (uWS's
   * SSLApp reads them when constructed), so they load exactly the pair that was checked, not
   * whatever the watched files hold at that instant.
   */
  withPemFiles<T>(fn: (certFile: string, keyFile: string) => T): T {
    const dir = mkdtempSync(join(tmpdir(), 'cupola-tls-'));
    try {
      const certFile = join(dir, 'cert.pem');
      const keyFile = join(dir, 'key.pem');
      writeFileSync(certFile, this.#pair.cert, { mode: 0o600 });
      writeFileSync(keyFile, this.#pair.key, { mode: 0o600 });
      return fn(certFile, keyFile);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  get fingerprint256(): string {
    return this.#pair.fingerprint256;
  }

  /** Called after each successful reload to a different certificate or key. Returns an unsubscribe. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reads the files again; true when a new pair is now in use. A pair that does not load keeps the current one. */
  reload(): Promise<boolean> {
    this.#reloading = this.#reloading.then(async () => {
      if (this.#closed) return false;
      let next: LoadedPair;
      try {
        next = await loadPair(this.files);
      } catch (err) {
        this.#options.log.warn('TLS certificate change not applied (keeping the current one until the files agree)', { err: (err as Error).message });
        return false;
      }
      if (this.#closed || (next.cert.equals(this.#pair.cert) && next.key.equals(this.#pair.key))) return false;
      this.#pair = next;
      this.#options.log.info('TLS certificate reloaded', { certFile: this.files.certFile, sha256: next.fingerprint256, validTo: next.validTo });
      for (const l of [...this.#listeners]) {
        try {
          l();
        } catch (err) {
          this.#options.log.error('TLS certificate subscriber failed', { err: (err as Error).message });
        }
      }
      return true;
    });
    return this.#reloading;
  }

  close(): void {
    this.#closed = true;
    if (this.#settle !== null) clearTimeout(this.#settle);
    for (const f of new Set([this.files.certFile, this.files.keyFile])) unwatchFile(f, this.#onStat);
    this.#listeners.clear();
  }
}

/**
 * Wraps an accepted TCP socket in TLS as a server with the certificate's current context. The
 * listener admits the TCP connection first (per-address caps apply before any TLS work) and its
 * connection timers bound the TLS handshake like any other first bytes.
 */
export function serverTlsSocket(socket: Socket, certificate: TlsCertificate): tls.TLSSocket {
  return new tls.TLSSocket(socket, { isServer: true, secureContext: certificate.secureContext });
}
