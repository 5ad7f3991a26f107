/// <reference types="vite/client" />
import type { HelpdeskApi } from '@common/api';

declare global {
  interface Window {
    /** The contract, exposed by the Electron preload; absent in a plain browser (web harness). */
    helpdesk?: HelpdeskApi;
  }
}

export {};
