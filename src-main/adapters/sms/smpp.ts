import { isIP } from 'node:net';
import smpp, { type ConnectOptions, type PDU, type ResponseCallback, type Session, type SubmitSmOptions } from 'smpp';
import { type SmsSettings, smppMayCarrySecrets } from '../../common/settings';
import type { HelpdeskError } from '../../domain/errors';
import type { RelayReceipt, SmsMessage, SmsRelay } from '../../domain/ports';
import { smsSegments } from '../../domain/sms-text';
import { isTimeout, networkError, relayError, safeMessageId, systemCode } from './relay-errors';

export type SmppSettings = Extract<SmsSettings, { provider: 'smpp' }>;

export interface SmppSecret {
  password: string;
}

/** SMPP data_coding: 0 = SMSC default alphabet (GSM 03.38, one octet per septet here), 8 = UCS-2. */
const DATA_CODING_GSM7 = 0;
const DATA_CODING_UCS2 = 8;
/** short_message holds at most 254 octets; longer texts go in the message_payload TLV. */
const SHORT_MESSAGE_MAX_OCTETS = 254;
/** Keeps an idle session alive through NAT and SMSC inactivity timers. */
const ENQUIRE_LINK_MS = 30_000;
/** How long close() waits for unbind_resp and the socket to end. */
const CLOSE_WAIT_MS = 2_000;

/** The PDU could not be written: the session was already gone. The message never left. */
class SessionGone extends Error {
  constructor() {
    super('SMPP session gone');
    this.name = 'SessionGone';
  }
}

/** `smpp:0x0000000D`: the form SMSC documentation uses for command_status values. */
export function smppDetail(status: number): string {
  return `smpp:0x${status.toString(16).toUpperCase().padStart(8, '0')}`;
}

/** bind_transceiver refused: wrong system_id or password, or not allowed (RBINDFAIL, RINVPASWD, RINVSYSID…). */
export function bindError(status: number): HelpdeskError {
  if (status === smpp.ESME_RTHROTTLED) return relayError('RELAY_RATE_LIMITED', smppDetail(status));
  return relayError('RELAY_AUTH', smppDetail(status));
}

/** submit_sm refused. */
export function submitError(status: number): HelpdeskError {
  const detail = smppDetail(status);
  if (status === smpp.ESME_RTHROTTLED || status === smpp.ESME_RMSGQFUL) return relayError('RELAY_RATE_LIMITED', detail);
  if (status === smpp.ESME_RSYSERR) return relayError('RELAY_SERVER_ERROR', detail);
  if (status === smpp.ESME_RBINDFAIL || status === smpp.ESME_RINVPASWD || status === smpp.ESME_RINVSYSID) {
    return relayError('RELAY_AUTH', detail);
  }
  return relayError('RELAY_REJECTED', detail);
}

/**
 * One SMPP connection and what the library leaves to its user: answering the SMSC's enquire_link,
 * deliver_sm and unbind, failing pending requests when the socket closes (the library never calls
 * their callbacks then), and a timeout per request (the library has none).
 */
class SmppLink {
  alive = true;
  private socketClosed = false;
  private lastError: unknown = undefined;
  private readonly pending = new Set<(err: HelpdeskError) => void>();

  constructor(readonly session: Session) {
    // Any error ends the session: after a PDU it cannot parse, the library stops reading for good.
    session.on('error', (err: unknown) => {
      this.lastError ??= err;
      this.destroy();
    });
    session.on('close', () => this.lost());
    session.on('enquire_link', (pdu: PDU) => session.send(pdu.response()));
    session.on('deliver_sm', (pdu: PDU) => session.send(pdu.response()));
    session.on('unbind', (pdu: PDU) => {
      this.alive = false;
      session.send(pdu.response());
      session.close();
    });
  }

  /** Writes a request and waits for its response; rejects on timeout or when the connection drops. */
  request(write: (callback: ResponseCallback) => boolean, timeoutMs: number): Promise<PDU> {
    return new Promise<PDU>((resolve, reject) => {
      if (!this.alive) {
        reject(new SessionGone());
        return;
      }
      const finish = (err: Error | null, pdu?: PDU) => {
        clearTimeout(timer);
        this.pending.delete(onLost);
        if (err) reject(err);
        else resolve(pdu as PDU);
      };
      const onLost = (err: HelpdeskError) => finish(err);
      const timer = setTimeout(() => {
        finish(relayError('RELAY_TIMEOUT', 'smpp:timeout'));
        // A late answer would find nobody: start again from a fresh session next time.
        this.destroy();
      }, timeoutMs);
      this.pending.add(onLost);
      if (!write((pdu) => finish(null, pdu))) finish(new SessionGone());
    });
  }

  destroy(): void {
    this.alive = false;
    this.session.destroy();
  }

  /** Ends the socket gracefully; resolves on 'close' or after a grace period (then destroys it). */
  end(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socketClosed) {
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        this.session.destroy();
        resolve();
      }, CLOSE_WAIT_MS);
      this.session.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.alive = false;
      this.session.close();
    });
  }

  private lost(): void {
    this.alive = false;
    this.socketClosed = true;
    const err = this.lostError();
    for (const fail of [...this.pending]) fail(err);
    this.pending.clear();
  }

  private lostError(): HelpdeskError {
    if (this.lastError === undefined) return relayError('RELAY_UNREACHABLE', 'smpp:connection-closed');
    if (systemCode(this.lastError) === undefined && !isTimeout(this.lastError)) {
      return relayError('RELAY_BAD_RESPONSE', 'smpp:protocol-error', this.lastError);
    }
    return networkError(this.lastError);
  }
}

/**
 * SMPP 3.4 (npm `smpp`): one bound transceiver session, reused across sends (probed with
 * enquire_link first). If the session turns out to have dropped before a message was written, it
 * binds again, once. A connection lost after submit_sm was written is not resubmitted: the SMSC may
 * have taken it, and SMPP has no RequestId.
 */
export class SmppRelay implements SmsRelay {
  readonly provider = 'smpp';
  private link: SmppLink | null = null;
  private binding: Promise<SmppLink> | null = null;
  private closed = false;

  constructor(
    private readonly settings: SmppSettings,
    private readonly secret: SmppSecret,
  ) {}

  async send(message: SmsMessage): Promise<RelayReceipt> {
    const reused = await this.reusableLink();
    if (reused) {
      try {
        return await this.submit(reused, message);
      } catch (err) {
        if (!(err instanceof SessionGone)) throw err;
      }
    }
    // No session yet, or it had dropped before the message left: bind (again — once per send).
    const fresh = await this.bound();
    try {
      return await this.submit(fresh, message);
    } catch (err) {
      throw err instanceof SessionGone ? relayError('RELAY_UNREACHABLE', 'smpp:session-lost') : err;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const link = this.link ?? (await this.binding?.catch(() => null)) ?? null;
    this.link = null;
    if (!link) return;
    if (link.alive) await link.request((cb) => link.session.unbind(cb), Math.min(this.settings.timeoutMs, CLOSE_WAIT_MS)).catch(() => undefined);
    await link.end();
  }

  /**
   * The open session if it still answers an enquire_link, else null. Probing first means a session
   * the SMSC dropped (or that died silently) is noticed before submit_sm is written, so binding
   * again cannot send the message twice.
   */
  private async reusableLink(): Promise<SmppLink | null> {
    if (this.closed) throw relayError('RELAY_UNREACHABLE', 'smpp:closed');
    const link = this.link;
    if (!link?.alive) return null;
    const answered = await link.request((cb) => link.session.enquire_link(cb), this.settings.timeoutMs).then(
      () => true,
      () => false,
    );
    if (answered && link.alive) return link;
    link.destroy();
    if (this.link === link) this.link = null;
    return null;
  }

  private async bound(): Promise<SmppLink> {
    if (this.closed) throw relayError('RELAY_UNREACHABLE', 'smpp:closed');
    if (this.link?.alive) return this.link;
    this.link = null;
    this.binding ??= this.bind().finally(() => {
      this.binding = null;
    });
    return this.binding;
  }

  private async bind(): Promise<SmppLink> {
    // Codes, temporary passwords and the bind password never cross a network in clear: plain smpp://
    // only to loopback (the settings schema refuses it too; this holds for any settings object).
    if (!smppMayCarrySecrets(this.settings.url)) throw relayError('RELAY_TLS', 'smpp:plain-off-loopback');
    const link = new SmppLink(smpp.connect(connectOptions(this.settings)));
    const bindOptions = { system_id: this.settings.systemId, password: this.secret.password, system_type: this.settings.systemType };
    let pdu: PDU;
    try {
      pdu = await link.request((cb) => link.session.bind_transceiver(bindOptions, cb), this.settings.timeoutMs);
    } catch (err) {
      link.destroy();
      throw err instanceof SessionGone ? relayError('RELAY_UNREACHABLE', 'smpp:connection-closed') : networkError(err);
    }
    if (pdu.command_status !== smpp.ESME_ROK) {
      link.destroy();
      throw bindError(pdu.command_status);
    }
    if (this.closed) {
      link.destroy();
      throw relayError('RELAY_UNREACHABLE', 'smpp:closed');
    }
    this.link = link;
    return link;
  }

  private async submit(link: SmppLink, message: SmsMessage): Promise<RelayReceipt> {
    const pdu = await link.request((cb) => link.session.submit_sm(submitOptions(this.settings, message), cb), this.settings.timeoutMs).catch(
      (err: unknown) => {
        if (err instanceof SessionGone) link.destroy();
        throw err;
      },
    );
    if (pdu.command_status !== smpp.ESME_ROK) throw submitError(pdu.command_status);
    return { messageId: safeMessageId(pdu.message_id) };
  }
}

/**
 * smpp:// or ssmpp:// (TLS, certificate verified against the system CAs or the configured ones).
 * tls.connect sends no SNI by itself (https.Agent adds it): name the host when it is a DNS name.
 */
export function connectOptions(settings: SmppSettings): ConnectOptions {
  const options: ConnectOptions = { url: settings.url, auto_enquire_link_period: ENQUIRE_LINK_MS };
  if (!settings.url.startsWith('ssmpp:')) return options;
  options.rejectUnauthorized = true;
  const host = new URL(settings.url).hostname.replace(/^\[|\]$/gu, '');
  if (isIP(host) === 0) options.servername = host;
  if (settings.caCertificate.trim() !== '') options.ca = settings.caCertificate;
  return options;
}

/** submit_sm: GSM-7 (data_coding 0) when the text fits the default alphabet, else UCS-2 rather than lose characters. */
export function submitOptions(settings: SmppSettings, message: SmsMessage): SubmitSmOptions {
  const seg = smsSegments(message.text);
  const gsm = seg.encoding === 'GSM-7';
  const octets = gsm ? seg.units : message.text.length * 2;
  const options: SubmitSmOptions = {
    source_addr: settings.sourceAddr,
    source_addr_ton: settings.sourceTon,
    source_addr_npi: settings.sourceNpi,
    destination_addr: message.to,
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    data_coding: gsm ? DATA_CODING_GSM7 : DATA_CODING_UCS2,
    registered_delivery: 0,
  };
  if (octets <= SHORT_MESSAGE_MAX_OCTETS) options.short_message = message.text;
  else options.message_payload = message.text;
  return options;
}
