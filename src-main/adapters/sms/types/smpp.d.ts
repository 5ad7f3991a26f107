/**
 * Types for the parts of npm `smpp` 0.5.1 (no bundled types) that Helpdesk uses: the client in
 * ../smpp.ts and the test sink. PDU fields are `unknown` on purpose: narrow them before use.
 * (In a folder of its own: TypeScript ignores `smpp.d.ts` when `smpp.ts` sits next to it.)
 */
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer } from 'node:net';
  import type { ConnectionOptions, TlsOptions } from 'node:tls';

  /** A decoded PDU: header fields plus the command's own fields and TLVs. */
  export interface PDU {
    command: string;
    command_status: number;
    sequence_number: number;
    readonly [field: string]: unknown;
    /** The matching `<command>_resp` (same sequence number); `command_status` for a refusal. */
    response(options?: Record<string, unknown>): PDU;
    isResponse(): boolean;
  }

  export type ResponseCallback = (pdu: PDU) => void;

  export interface BindOptions {
    system_id: string;
    password: string;
    system_type?: string;
  }

  export interface SubmitSmOptions {
    source_addr: string;
    source_addr_ton: number;
    source_addr_npi: number;
    destination_addr: string;
    dest_addr_ton: number;
    dest_addr_npi: number;
    /** A string is encoded by the library according to data_coding (0: GSM 03.38, 8: UCS-2). */
    short_message?: string;
    /** TLV 0x0424 for texts longer than short_message's 254 octets. */
    message_payload?: string;
    data_coding: number;
    registered_delivery: number;
  }

  /**
   * One SMPP connection. Events: 'connect', 'secureConnect', 'error', 'close', 'pdu' and one per
   * command name ('bind_transceiver', 'submit_sm', 'deliver_sm', 'enquire_link', 'unbind', ...).
   * Request methods return false — and never call back — when the socket is not writable.
   */
  export interface Session extends EventEmitter {
    bind_transceiver(options: BindOptions, callback?: ResponseCallback): boolean;
    submit_sm(options: SubmitSmOptions, callback?: ResponseCallback): boolean;
    unbind(callback?: ResponseCallback): boolean;
    enquire_link(callback?: ResponseCallback): boolean;
    send(pdu: PDU, callback?: ResponseCallback): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
  }

  /** `url` is smpp://host:port or ssmpp://host:port (TLS); the rest goes to net/tls.connect. */
  export interface ConnectOptions extends ConnectionOptions {
    url: string;
    auto_enquire_link_period?: number;
  }

  /** With `key` and `cert` the server speaks TLS. */
  export type ServerOptions = TlsOptions;

  export interface Server extends NetServer {
    readonly sessions: Session[];
  }

  export interface SmppModule {
    connect(options: ConnectOptions, listener?: () => void): Session;
    createServer(options: ServerOptions, listener?: (session: Session) => void): Server;
    readonly ESME_ROK: number;
    readonly ESME_RSYSERR: number;
    readonly ESME_RBINDFAIL: number;
    readonly ESME_RINVPASWD: number;
    readonly ESME_RINVSYSID: number;
    readonly ESME_RMSGQFUL: number;
    readonly ESME_RTHROTTLED: number;
  }

  const smpp: SmppModule;
  export default smpp;
}
