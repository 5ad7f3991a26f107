import { deskMessages } from './vi/desk';
import { caseMessages } from './vi/case';
import { auditMessages } from './vi/audit';
import { dashboardsMessages } from './vi/dashboards';
import { settingsMessages } from './vi/settings';
import { errorsMessages } from './vi/errors';

/**
 * Vietnamese: the default language, with the wording of the seed documents ("Quên mật khẩu",
 * "Mở khóa tài khoản", "Mã xác nhận", "Quay lại", "Tiếp tục", "Lưu"…).
 * Message syntax: `{name}` interpolates; a literal `@`, `{`, `}`, `|` or `$` must be written `{'@'}` etc.
 * The sections are in vi/ (each imports nothing); this file puts them together.
 */
export const vi = {
  ...deskMessages,
  ...caseMessages,
  ...auditMessages,
  ...dashboardsMessages,
  ...settingsMessages,
  ...errorsMessages,
};

/** The shape every locale must have (checked at compile time in en.ts and by a unit test). */
export type Messages = typeof vi;
