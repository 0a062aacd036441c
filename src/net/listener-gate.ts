/**
 * The door of a TCP listener (RTMP, RTSP, and their TLS forms): admission against the caps
 * (per IP, total, unauthorised pool), the count and rate-limited log of every connection shed or
 * refused, and the TLS wrap of an admitted socket. One implementation for every listener.
 */
import type net from 'node:net';
import type { Logger } from '../log/logger.ts';
import type { ListenerMetrics } from '../metrics/metrics.ts';
import { admissionOptions, ConnectionAdmission, type AdmissionOptions, type AdmissionTicket } from './admission.ts';
import { ShedLog } from './shed-log.ts';
import { serverTlsSocket, type TlsCertificate } from './tls-certificate.ts';

export const EVICTED_REASON = 'evicted: a newer connection needed the slot of this unauthorised one';

export interface AdmittedSocket {
  /** The socket to speak the protocol on: the TCP socket, or the TLS socket over it. */
  readonly socket: net.Socket;
  readonly ticket: AdmissionTicket;
  readonly address: string;
}

export class ListenerGate {
  readonly limits: ReturnType<typeof admissionOptions>;
  readonly #admission: ConnectionAdmission;
  readonly #shedLog: ShedLog;
  readonly #shedCounts: Map<string, number>;
  readonly #metrics: ListenerMetrics | undefined;
  readonly #certificate: TlsCertificate | undefined;

  /** @param shedCounts the listener's stats map of sheds and refusals by reason (counted here) */
  constructor(options: AdmissionOptions, o: { log: Logger; now: () => number; shedCounts: Map<string, number>; metrics?: ListenerMetrics | undefined; certificate?: TlsCertificate | undefined }) {
    this.limits = admissionOptions(options);
    this.#admission = new ConnectionAdmission(this.limits);
    this.#shedLog = new ShedLog(o.log, o.now);
    this.#shedCounts = o.shedCounts;
    this.#metrics = o.metrics;
    this.#certificate = o.certificate;
  }

  /** Counts a connection shed (or refused) for `reason` and logs it, rate-limited per source. */
  shed(reason: string, source: string, fields: Record<string, unknown> = {}): void {
    this.#shedCounts.set(reason, (this.#shedCounts.get(reason) ?? 0) + 1);
    this.#shedLog.record(source, reason, fields);
  }

  /**
   * Admits a new TCP connection or refuses it (destroyed, counted, logged: undefined). `evict` is
   * called later if an unauthorised connection admitted here must give its slot to a newer one.
   */
  accept(tcp: net.Socket, evict: (reason: string) => void): AdmittedSocket | undefined {
    const address = tcp.remoteAddress ?? '';
    const ticket = this.#admission.admit(address, () => {
      this.shed('evicted', address);
      this.#metrics?.connectionShed('evicted');
      evict(EVICTED_REASON);
    });
    if (typeof ticket === 'string') {
      this.shed(ticket, address);
      this.#metrics?.connectionRefused(ticket);
      tcp.destroy();
      return undefined;
    }
    const socket = this.#certificate === undefined ? tcp : serverTlsSocket(tcp, this.#certificate);
    return { socket, ticket, address };
  }
}
