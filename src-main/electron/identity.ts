/**
 * The app's identity, shared by the main process and the packaging config (electron-builder.ts):
 * Windows matches the running app to its Start-menu shortcut and taskbar pin by this id.
 */
export const APP_ID = 'vn.gov.helpdesk';
export const PRODUCT_NAME = 'Helpdesk';
