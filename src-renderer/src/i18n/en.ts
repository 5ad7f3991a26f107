import type { Messages } from './vi';
import { deskMessages } from './en/desk';
import { caseMessages } from './en/case';
import { auditMessages } from './en/audit';
import { dashboardsMessages } from './en/dashboards';
import { settingsMessages } from './en/settings';
import { errorsMessages } from './en/errors';

/** English: the fallback language. Same keys as vi.ts (the type and a unit test check it). */
export const en: Messages = {
  ...deskMessages,
  ...caseMessages,
  ...auditMessages,
  ...dashboardsMessages,
  ...settingsMessages,
  ...errorsMessages,
};
