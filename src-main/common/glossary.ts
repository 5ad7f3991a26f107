import type { AuditAction } from './audit-dto';

/**
 * One word for one thing (issue #14 item 7): the Vietnamese terms of the product — the seeds' words — with
 * the forms they replace. The renderer's Vietnamese messages, the message templates sent to callers and
 * the monthly report use these; test/unit/renderer/vocabulary.test.ts fails on a replaced form anywhere
 * in them (an unaccented SMS template is compared unaccented).
 */
export const TERMS = {
  /** The six digits sent to the caller (seed 002: "Mã OTP có hiệu lực trong vòng 5 phút"). */
  otp: { vi: 'mã OTP', replaces: ['mã xác nhận', 'mã xác thực', 'mã một lần'] },
  /** Proving the caller is the account's owner (seeds 001, 003: "xác thực"). */
  verify: { vi: 'xác thực', replaces: ['xác minh'] },
  /** Who takes the call. */
  operator: { vi: 'tổng đài viên', replaces: ['điều hành viên', 'điện thoại viên', 'nhân viên tổng đài'] },
  supervisor: { vi: 'giám sát viên', replaces: ['người giám sát'] },
  auditor: { vi: 'kiểm tra viên', replaces: ['kiểm toán viên', 'thanh tra viên'] },
  /** One call's work on one account, from the reason to "Kết thúc". */
  case: { vi: 'yêu cầu hỗ trợ', replaces: ['phiên hỗ trợ', 'phiên xử lý', 'ca hỗ trợ', 'vụ việc'] },
  caller: { vi: 'người gọi', replaces: ['người yêu cầu'] },
  backupEmail: { vi: 'thư điện tử dự phòng', replaces: ['email dự phòng', 'e-mail dự phòng', 'hộp thư dự phòng'] },
} as const satisfies Record<string, { vi: string; replaces: readonly string[] }>;

/** A term at the start of a sentence: "mã OTP" → "Mã OTP". */
export function capital(term: string): string {
  return term.charAt(0).toUpperCase() + term.slice(1);
}

/**
 * Every audited action's Vietnamese label: the audit view's messages are made from it, and the monthly
 * report uses it (it goes out with an official letter, never with an action's id in it).
 */
export const AUDIT_ACTION_LABELS_VI: Record<AuditAction, string> = {
  'session.signIn': 'Đăng nhập',
  'session.signOut': 'Đăng xuất',
  'session.lock': 'Khóa phiên làm việc',
  'session.unlock': 'Mở khóa phiên làm việc',
  'directory.search': 'Tìm tài khoản',
  'directory.view': 'Xem tài khoản',
  'settings.save': 'Lưu cài đặt',
  'case.open': `Mở ${TERMS.case.vi}`,
  'code.send': `Gửi ${TERMS.otp.vi}`,
  'code.verify': `Nhập ${TERMS.otp.vi}`,
  'case.close': `Đóng ${TERMS.case.vi}`,
  'case.override': `${capital(TERMS.supervisor.vi)} ${TERMS.verify.vi} thay`,
  'case.takeOver': 'Tiếp nhận tài khoản đang được người khác xử lý',
  'case.handOff': 'Chuyển giám sát viên',
  'case.take': 'Giám sát viên nhận xử lý',
  'case.approval': 'Phê duyệt của giám sát viên thứ hai',
  'account.write': 'Bắt đầu ghi vào thư mục',
  'account.unlock': 'Mở khóa tài khoản',
  'account.reset': 'Đặt lại mật khẩu',
  'account.reset-unlock': 'Mở khóa và đặt lại mật khẩu',
  'contact.code': 'Gửi mã tới liên hệ mới',
  'contact.verify': 'Nhập mã của liên hệ mới',
  'account.contact': 'Cập nhật thông tin khôi phục',
  'access.denied': 'Bị chặn do vai trò',
  'audit.verify': 'Kiểm tra toàn vẹn nhật ký',
  'audit.export': 'Xuất nhật ký',
  'audit.purge': 'Yêu cầu xóa nhật ký quá hạn (không xóa dòng nào)',
  'audit.checkpoint': 'Xóa dòng quá hạn lưu trữ (điểm mốc)',
  'dashboard.scan': 'Quét thư mục (thống kê)',
  'dashboard.export': 'Xuất số liệu thư mục',
  'report.monthly': 'Lập báo cáo tháng',
  'team.join': 'Máy tham gia tổ tổng đài',
  'team.joinSecret': 'Tạo mã tham gia tổ tổng đài',
  'audit.import': 'Đưa nhật ký của máy vào kho dùng chung',
  'team.profile': 'Công bố cấu hình dùng chung cho tổ',
};

type Group<T extends string> = T extends `${infer G}.${string}` ? G : never;
type Name<T extends string, G extends string> = T extends `${G}.${infer N}` ? N : never;
/** `{'code.send': …}` as the messages nest it: `{code: {send: …}}`. */
export type NestedLabels<T extends string> = { [G in Group<T>]: { [N in Name<T, G>]: string } };

export function nestLabels<T extends string>(labels: Record<T, string>): NestedLabels<T> {
  const out: Record<string, Record<string, string>> = {};
  for (const [key, label] of Object.entries<string>(labels)) {
    const dot = key.indexOf('.');
    (out[key.slice(0, dot)] ??= {})[key.slice(dot + 1)] = label;
  }
  return out as NestedLabels<T>;
}
