import { describe, expect, it } from 'vitest';
import { createI18n } from 'vue-i18n';
import { ERROR_CODES, VALIDATION_REASONS } from '../../../src-main/common/errors';
import { QUERY_KINDS } from '../../../src-main/common/dto';
import * as __i18n_vi from '../../../src-renderer/src/i18n/vi';
import * as __i18n_en from '../../../src-renderer/src/i18n/en';
import { rulesParams } from '../../../src-renderer/src/i18n/rules';
import { callRules, DEFAULT_OTP_POLICY } from '../../../src-main/domain/otp';

type Tree = { [key: string]: string | Tree };

// The message files, imported directly (they import nothing themselves).
const { vi } = __i18n_vi;
const { en } = __i18n_en;

/** Every leaf key of a message tree, dotted: `errors.INTERNAL`. */
function leafKeys(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string' ? [`${prefix}${k}`] : leafKeys(v, `${prefix}${k}.`),
  );
}

function leaf(tree: Tree, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node as Tree | undefined)?.[part], tree);
}

const locales = { vi, en };
const QUERY_REASONS = QUERY_KINDS.filter((k) => k !== 'auto').map((k) => `not_${k}`);

describe('renderer messages', () => {
  it('vi and en have exactly the same keys', () => {
    expect(leafKeys(locales.en).sort()).toEqual(leafKeys(locales.vi).sort());
  });

  for (const [name, messages] of Object.entries(locales)) {
    describe(name, () => {
      it('translates every contract error code', () => {
        for (const code of ERROR_CODES) {
          expect(leaf(messages, `errors.${code}`), `errors.${code}`).toEqual(expect.stringMatching(/\S/u));
        }
      });

      it('has no error text for a code the contract does not have', () => {
        expect(Object.keys(messages.errors as Tree).sort()).toEqual([...ERROR_CODES].sort());
      });

      it('translates every validation reason, and the query kinds the search refuses', () => {
        for (const reason of [...VALIDATION_REASONS, ...QUERY_REASONS]) {
          expect(leaf(messages, `validation.${reason}`), `validation.${reason}`).toEqual(expect.stringMatching(/\S/u));
        }
      });

      it('labels every query kind', () => {
        for (const kind of QUERY_KINDS) {
          expect(leaf(messages, `search.kinds.${kind}`), kind).toEqual(expect.stringMatching(/\S/u));
        }
      });

      it('has no empty message', () => {
        for (const key of leafKeys(messages)) expect(leaf(messages, key), key).toMatch(/\S/u);
      });

      it('every message compiles and renders without leftover placeholders', () => {
        const i18n = createI18n({
          legacy: false,
          locale: name,
          messages: { [name]: messages },
          missingWarn: false,
          fallbackWarn: false,
        });
        const params = {
          n: 3,
          at: '01/02/2026 08:30',
          kinds: 'x',
          shown: 50,
          total: 120,
          version: '1',
          detail: 'd',
          ms: 5,
          destination: '09*****98',
          time: '04:12',
          channel: 'SMS',
          segments: 1,
          encoding: 'GSM-7',
          name: 'Nguyễn Văn An',
          reason: 'Quên mật khẩu',
          username: 'annv',
          vars: 'x',
          supervisor: 'giamsat01',
          check: 'Đối chiếu số CCCD/CMND với hồ sơ',
          id: '2b1f0c4e-7d1a-4c3e-9b1e-0a6f7e2c9d11',
          path: '/home/ha/Downloads/nhat-ky-kiem-tra-2026-11-23.csv',
          head: `1234:${'ab'.repeat(32)}`,
          seq: 1234,
          problem: 'nội dung bị sửa',
          from: '01/06/2026',
          to: '23/06/2026',
          unit: 'Sở Tư pháp',
          max: 12,
          min: 6,
          checkpoint: 1301,
          day: '05/06/2026',
          values: 'Sở Tư pháp: 12',
        };
        for (const key of leafKeys(messages)) {
          const out = i18n.global.t(key, params, 3);
          expect(out, key).not.toBe(key);
          expect(out, key).not.toMatch(/[{}]/u);
        }
      });
    });
  }

  it('uses the seed wording in Vietnamese', () => {
    const all = leafKeys(locales.vi).map((k) => leaf(locales.vi, k));
    for (const phrase of [
      'Quên mật khẩu',
      'Mở khóa tài khoản',
      'Mã OTP',
      'Quay lại',
      'Tiếp tục',
      'Đăng nhập',
      'Đăng xuất',
      'Tên đăng nhập',
      'Mật khẩu',
      'Tìm tài khoản',
      'Cài đặt',
      'Kiểm tra kết nối',
      'Lưu',
      'Gửi mã OTP',
      'Gửi lại mã OTP',
      'Xác nhận',
      'Đã xác thực',
      'Kết thúc',
      'Mã đã hết hạn',
    ]) {
      expect(all, phrase).toContain(phrase);
    }
    // The seed's rule, with the numbers the main process sends (the domain's defaults).
    const i18n = createI18n({ legacy: false, locale: 'vi', messages: { vi } });
    expect(i18n.global.t('case.rule', rulesParams(callRules(DEFAULT_OTP_POLICY)))).toBe('Mỗi kênh gửi mã OTP cách nhau 5 phút; tối đa 2 lần 1 ngày cho cả hai kênh');
  });

  it('renders the training hint with a literal @', () => {
    const i18n = createI18n({ legacy: false, locale: 'vi', messages: { vi } });
    expect(i18n.global.t('training.hint')).toBe('Tài khoản đào tạo: tongdai01 / DaoTao@2026');
  });

  it('pluralises the English result count', () => {
    const i18n = createI18n({ legacy: false, locale: 'en', messages: { en } });
    expect(i18n.global.t('search.count', { n: 1 }, 1)).toBe('1 result');
    expect(i18n.global.t('search.count', { n: 7 }, 7)).toBe('7 results');
    const vi18n = createI18n({ legacy: false, locale: 'vi', messages: { vi } });
    expect(vi18n.global.t('search.count', { n: 7 }, 7)).toBe('7 kết quả');
  });

  it('words the verification step as the operator reads it aloud', () => {
    const i18n = createI18n({ legacy: false, locale: 'vi', messages: { vi } });
    const t = i18n.global.t;
    expect(t('case.sentTo', { destination: '09*****98' })).toBe('Đã gửi tới 09*****98');
    expect(t('case.wrong', { n: 4 })).toBe('Mã không đúng. Còn 4 lần thử.');
    expect(t('case.resendIn', { time: '04:12' })).toBe('Gửi lại sau 04:12');
    expect(t('case.remainingToday', { n: 1 })).toBe('còn 1 lần hôm nay');
    expect(t('case.noneLeftToday')).toBe('đã hết lượt hôm nay');
    expect(t('case.smsCount', { n: 148, segments: 1, encoding: 'GSM-7' })).toBe('148 ký tự · 1 tin nhắn (GSM-7)');
    expect(t('nav.outbox')).toBe('Hộp thư đi (đào tạo)');
  });

  it('words the account actions as the brief and the seeds do', () => {
    const i18n = createI18n({ legacy: false, locale: 'vi', messages: { vi } });
    const t = i18n.global.t;
    expect(t('account.unlock')).toBe('Mở khóa tài khoản');
    expect(t('account.reset')).toBe('Đặt lại mật khẩu');
    expect(t('account.verificationExpired')).toBe('Phiên xác thực đã hết hạn');
    expect(t('actions.effect.unlock')).toBe('Tài khoản sẽ được mở khóa, mật khẩu giữ nguyên.');
    expect(t('actions.effect.reset', { destination: '09*****98' })).toBe(
      'Một mật khẩu tạm thời sẽ được tạo và gửi tới 09*****98; người dùng phải đổi mật khẩu ở lần đăng nhập tiếp theo. Tổng đài viên không nhìn thấy mật khẩu này.',
    );
    expect(t('actions.confirm')).toBe('Xác nhận');
    expect(t('actions.unlocked')).toBe('Mở khóa thành công');
    expect(t('actions.resetSent', { destination: '09*****98' })).toBe('Đã đặt lại mật khẩu. Đã gửi mật khẩu tạm thời tới 09*****98');
    expect(t('actions.resetUndelivered', { reason: 'Cổng gửi tin không phản hồi kịp thời' })).toBe(
      'Đã đặt lại mật khẩu nhưng chưa gửi được mật khẩu tạm thời: Cổng gửi tin không phản hồi kịp thời. Hãy đặt lại lần nữa.',
    );
    expect(t('actions.unknown')).toBe('Không xác định — hãy kiểm tra');
  });

  it('words the recovery contact change as the brief and seed 000 do', () => {
    const i18n = createI18n({ legacy: false, locale: 'vi', messages: { vi } });
    const t = i18n.global.t;
    expect(t('account.contact')).toBe('Cập nhật thông tin khôi phục');
    expect(t('contact.kinds.mobile')).toBe('Số điện thoại di động');
    expect(t('contact.kinds.backupEmail')).toBe('Thư điện tử dự phòng');
    expect(t('contact.sentTo', { destination: '09*****66' })).toBe('Đã gửi mã tới 09*****66');
    expect(t('contact.save')).toBe('Xác nhận và lưu');
    expect(t('case.wrong', { n: 4 })).toBe('Mã không đúng. Còn 4 lần thử.');
    expect(t('contact.updated.mobile', { destination: '09*****66' })).toBe('Đã cập nhật số điện thoại: 09*****66');
    expect(t('contact.updated.backupEmail', { destination: 'an***@gmail.com' })).toBe('Đã cập nhật thư điện tử dự phòng: an***@gmail.com');
    expect(t('contact.noticeSent.mobile', { destination: '09*****98' })).toBe('Đã gửi thông báo tới số cũ 09*****98');
    expect(t('contact.placeholder.backupEmail')).toBe('Ví dụ: ten@gmail.com');
    // The reasons the main process gives for a refused new contact.
    for (const reason of ['not_phone', 'landline', 'old_format', 'not_email', 'same_as_mail', 'not_code']) {
      expect(t(`validation.${reason}`), reason).not.toBe(`validation.${reason}`);
    }
    expect(t('validation.landline')).toBe('Đây là số máy bàn; cần số điện thoại di động.');
    // Both kinds of contact have every kind-keyed message, in both languages.
    for (const messages of [vi, en]) {
      for (const group of ['kinds', 'newValue', 'placeholder', 'hint', 'send', 'updated', 'noticeSent', 'noticeFailed']) {
        for (const kind of ['mobile', 'backupEmail']) {
          expect(leaf(messages, `contact.${group}.${kind}`), `contact.${group}.${kind}`).toEqual(expect.stringMatching(/\S/u));
        }
      }
      for (const action of ['unlock', 'reset', 'reset-unlock', 'contact']) {
        expect(leaf(messages, `actions.unknownDetail.${action}`), action).toEqual(expect.stringMatching(/\S/u));
      }
    }
  });

  it('has a sentence for every refusal reason the account actions can carry', () => {
    const reasons = {
      PASSWORD_REJECTED: ['history', 'quality', 'too_short', 'too_young', 'policy'],
      ACTION_NOT_PERMITTED: [
        'administrative_lock',
        'not_locked',
        'state_changed',
        'contact_available',
        'no_delivery_contact',
        'override_attempts',
        'no_citizen_id',
      ],
    };
    for (const [name, messages] of Object.entries(locales)) {
      for (const [code, list] of Object.entries(reasons)) {
        expect((ERROR_CODES as readonly string[]).includes(code), code).toBe(true);
        for (const reason of list) {
          expect(leaf(messages, `reasons.${code}.${reason}`), `${name} reasons.${code}.${reason}`).toEqual(
            expect.stringMatching(/\S/u),
          );
        }
      }
      // Only contract codes are keyed.
      for (const code of Object.keys(messages.reasons as Tree)) expect(ERROR_CODES as readonly string[]).toContain(code);
    }
  });

  it('words roles and the supervisor override as the brief does', () => {
    const i18n = createI18n({ legacy: false, locale: 'vi', messages: { vi } });
    const t = i18n.global.t;
    expect(['operator', 'supervisor', 'auditor'].map((r) => t(`roles.names.${r}`))).toEqual(['Tổng đài viên', 'Giám sát viên', 'Kiểm tra viên']);
    expect(t('roles.noDesk')).toBe('Vai trò của bạn không dùng chức năng tìm tài khoản');
    expect(['citizen-id', 'identity-document', 'agency-letter'].map((c) => t(`override.checks.${c}`))).toEqual([
      'Đối chiếu số CCCD/CMND với hồ sơ',
      'Kiểm tra trực tiếp giấy tờ tùy thân',
      'Công văn đề nghị của đơn vị',
    ]);
    expect(t('override.unreachable')).toBe('Người gọi không còn dùng được liên hệ đã đăng ký');
    expect(t('case.needsSupervisor')).toContain('Cần giám sát viên xác thực thay');
    expect(t('account.noDeliveryContact')).toBe(
      'Chưa có liên hệ đã xác thực để gửi mật khẩu tạm thời — hãy cập nhật số di động hoặc thư điện tử dự phòng trước',
    );
    expect(t('actions.unlockToo')).toBe('Đồng thời mở khóa tài khoản');
    expect(t('override.mismatch', { n: 2 })).toBe('Số CCCD/CMND không khớp với hồ sơ. Còn 2 lần thử.');
    expect(t('actions.resetUnlockSent', { destination: '09*****66' })).toContain('Đã gửi mật khẩu tạm thời tới 09*****66');
    // A relay timeout is not a failure: the caller is asked before another reset.
    const unconfirmed = t('actions.resetUnconfirmed', { destination: '09*****98' });
    expect(unconfirmed).toContain('Không xác định được mật khẩu tạm thời đã gửi tới 09*****98 hay chưa');
    expect(unconfirmed).toContain('trước khi đặt lại lần nữa');
    expect(unconfirmed).not.toContain('chưa gửi được');
    expect(t('settings.roleGroups')).toBe('Phân quyền');
    expect(t('settings.allowAdministrativeUnlock')).toContain('giám sát viên');
  });

  it('words the audit view as the brief does', () => {
    const i18n = createI18n({ legacy: false, locale: 'vi', messages: { vi } });
    const t = i18n.global.t;
    expect(t('nav.audit')).toBe('Nhật ký kiểm tra');
    expect(['from', 'to', 'operator', 'account', 'action', 'outcome', 'unit', 'all'].map((f) => t(`audit.filters.${f}`))).toEqual([
      'Từ ngày',
      'Đến ngày',
      'Người thực hiện',
      'Tài khoản',
      'Thao tác',
      'Kết quả',
      'Đơn vị',
      'Tất cả',
    ]);
    expect(['ok', 'error', 'refused'].map((o) => t(`audit.outcomes.${o}`))).toEqual(['Thành công', 'Lỗi', 'Bị từ chối']);
    expect(t('audit.previous')).toBe('Trang trước');
    expect(t('audit.next')).toBe('Trang sau');
    expect(t('audit.count', { n: '1.234' }, 1234)).toBe('1.234 dòng');
    expect(t('audit.countLowerBound', { n: '100.000' })).toBe('≥ 100.000 dòng');
    expect(t('audit.timeline.open')).toBe('Xem diễn biến');
    expect(t('audit.export.csv')).toBe('Xuất CSV');
    expect(t('audit.export.xlsx')).toBe('Xuất Excel (XLSX)');
    expect(t('audit.export.done', { n: '1.234', path: '/tmp/a.csv' })).toBe('Đã xuất 1.234 dòng vào /tmp/a.csv');
    expect(t('audit.integrity.verify')).toBe('Kiểm tra toàn vẹn');
    expect(t('audit.integrity.savedHead')).toBe('Đầu chuỗi đã lưu (không bắt buộc)');
    expect(t('audit.integrity.head')).toBe('Đầu chuỗi hiện tại');
    expect(t('audit.integrity.copy')).toBe('Sao chép');
    expect(t('audit.integrity.headHint')).toBe('Lưu đầu chuỗi này ở nơi khác (in ra, gửi kèm công văn) để phát hiện việc cắt bớt nhật ký');
    expect(t('audit.integrity.ok', { n: '12', head: '12:ab' })).toBe('Nhật ký toàn vẹn: 12 dòng, đầu chuỗi 12:ab');
    expect(['hash', 'link', 'missing', 'truncated', 'head'].map((p) => t(`audit.integrity.problems.${p}`))).toEqual([
      'nội dung bị sửa',
      'liên kết với dòng trước bị đứt',
      'thiếu dòng (bị xóa)',
      'bị cắt bớt phần cuối so với đầu chuỗi đã lưu',
      'khác đầu chuỗi đã lưu',
    ]);
    // Every audited action has a label in both languages (nested by its name: `case.open` → audit.actions.case.open).
    const ACTIONS = ['session.signIn', 'session.signOut', 'directory.search', 'directory.view', 'settings.save', 'case.open', 'code.send', 'code.verify', 'case.close', 'case.override', 'account.unlock', 'account.reset', 'account.reset-unlock', 'contact.code', 'contact.verify', 'account.contact', 'access.denied', 'audit.verify', 'audit.export', 'audit.checkpoint', 'dashboard.scan', 'dashboard.export', 'report.monthly'];
    for (const messages of [vi, en]) {
      for (const action of ACTIONS) expect(leaf(messages, `audit.actions.${action}`), action).toEqual(expect.stringMatching(/\S/u));
    }
    expect(t('audit.actions.case.open')).toBe('Mở yêu cầu hỗ trợ');
    const en18n = createI18n({ legacy: false, locale: 'en', messages: { en } });
    expect(en18n.global.t('audit.count', { n: '1' }, 1)).toBe('1 row');
    expect(en18n.global.t('audit.count', { n: '1,234' }, 1234)).toBe('1,234 rows');
  });

  it('words the retention setting, the purge and the head export as the brief does', () => {
    const i18n = createI18n({ legacy: false, locale: 'vi', messages: { vi } });
    const t = i18n.global.t;
    expect(t('settings.audit.title')).toBe('Nhật ký kiểm tra');
    expect(t('settings.audit.retention')).toBe('Thời gian lưu nhật ký (tháng)');
    expect(t('settings.audit.too_short', { n: 6 })).toBe('Thời gian lưu tối thiểu là 6 tháng.');
    expect(t('settings.audit.too_long', { n: 120 })).toBe('Thời gian lưu tối đa là 120 tháng.');
    expect(t('audit.purge.button')).toBe('Xóa nhật ký quá hạn');
    expect(t('audit.purge.effect', { n: 24 })).toBe(
      'Các dòng nhật ký cũ hơn 24 tháng sẽ bị xóa; một dòng mốc (checkpoint) ghi lại phạm vi đã xóa và mã băm của dòng cuối, để chuỗi vẫn kiểm tra được. Không thể hoàn tác.',
    );
    expect(t('audit.purge.effectUnknown')).toContain('Các dòng nhật ký cũ hơn thời gian lưu đã cài đặt sẽ bị xóa');
    expect(t('audit.purge.done', { n: '1.200', seq: 1200, checkpoint: 1301 }, 1200)).toBe('Đã xóa 1.200 dòng (đến dòng số 1200); dòng mốc số 1301');
    expect(t('audit.purge.nothing')).toBe('Không có dòng nào quá hạn.');
    expect(t('audit.purge.tampered')).toContain('không dòng nào bị xóa');
    expect(t('audit.integrity.download')).toBe('Tải về');
    expect(t('audit.integrity.print')).toBe('In');
    const en18n = createI18n({ legacy: false, locale: 'en', messages: { en } });
    expect(en18n.global.t('audit.purge.done', { n: '1', seq: 1, checkpoint: 9 }, 1)).toBe('Removed 1 row (through row 1); checkpoint row 9');
    expect(en18n.global.t('audit.purge.done', { n: '5', seq: 5, checkpoint: 9 }, 5)).toBe('Removed 5 rows (through row 5); checkpoint row 9');
  });

  it('words the dashboards as the brief does', () => {
    const i18n = createI18n({ legacy: false, locale: 'vi', messages: { vi } });
    const t = i18n.global.t;
    expect(t('nav.dashboards')).toBe('Tổng quan');
    expect(t('dashboards.title')).toBe('Tổng quan');
    expect(t('dashboards.scan.start')).toBe('Quét thư mục');
    expect(t('dashboards.scan.scanned', { n: '1.234' })).toBe('Đã đọc 1.234 tài khoản');
    expect(t('dashboards.scan.stop')).toBe('Dừng');
    expect(t('dashboards.scan.cancelled')).toBe('Đã dừng quét');
    expect(['accounts', 'noMobile', 'noBackupEmail', 'noContact', 'locked', 'mustChangePassword', 'passwordExpired', 'disabled'].map((k) => t(`dashboards.counts.${k}`))).toEqual([
      'Tổng số tài khoản',
      'Chưa có số di động khôi phục',
      'Chưa có thư dự phòng',
      'Chưa có cả hai',
      'Đang bị khóa',
      'Phải đổi mật khẩu',
      'Mật khẩu hết hạn',
      'Bị quản trị viên khóa',
    ]);
    expect(t('dashboards.locked.open')).toBe('Mở yêu cầu hỗ trợ');
    expect(t('dashboards.locked.capped', { shown: '1.000', total: '1.234' })).toBe('Chỉ hiển thị 1.000 tài khoản bị khóa gần nhất / tổng 1.234');
    expect(t('dashboards.stats.lastMonth')).toBe('Tháng trước');
    expect(t('dashboards.report.done', { n: '3', path: '/tmp/bao-cao-2026-11.pdf' }, 3)).toBe('Đã tạo báo cáo 3 trang: /tmp/bao-cao-2026-11.pdf');
    expect(t('audit.actions.dashboard.export')).toBe('Xuất số liệu thư mục');
    const en18n = createI18n({ legacy: false, locale: 'en', messages: { en } });
    expect(en18n.global.t('dashboards.report.done', { n: '1', path: '/tmp/a.pdf' }, 1)).toBe('Report created (1 page): /tmp/a.pdf');
    expect(en18n.global.t('dashboards.report.done', { n: '2', path: '/tmp/a.pdf' }, 2)).toBe('Report created (2 pages): /tmp/a.pdf');
    expect(en18n.global.t('dashboards.locked.count', { n: '1' }, 1)).toBe('1 account');
  });

  it('words the relay settings: provider names, the training note, placeholders passed as a parameter', () => {
    const vi18n = createI18n({ legacy: false, locale: 'vi', messages: { vi } });
    const t = vi18n.global.t;
    expect(t('settings.sms.title')).toBe('Kênh gửi tin nhắn SMS');
    expect(t('settings.mail.title')).toBe('Thư điện tử (SMTP)');
    expect(t('settings.agencyName')).toBe('Tên cơ quan');
    expect(t('settings.relaysTraining')).toBe('Chế độ đào tạo: tin nhắn và thư được đưa vào Hộp thư đi, không gửi thật.');
    expect(['none', 'esms', 'speedsms', 'http', 'smpp'].map((p) => t(`settings.sms.providers.${p}`))).toEqual([
      'Không dùng',
      'eSMS.vn',
      'SpeedSMS',
      'Cổng HTTP tùy chỉnh',
      'SMPP',
    ]);
    expect(t('settings.mail.securities.starttls')).toBe('STARTTLS (587)');
    expect(t('settings.mail.securities.tls')).toBe('SMTPS (465)');
    expect(t('settings.servicePasswordStored')).toBe('Đã lưu trong kho khóa');
    // The template's own braces come in as a parameter: message syntax would read them as placeholders.
    expect(t('settings.sms.bodyTemplateHint', { vars: '{{to}}, {{text}}' })).toContain('{{to}}, {{text}}');
  });

  it('never claims a code was received: a gateway accepting it is not delivery', () => {
    const spoken = (k: string) => k.startsWith('case.') || k.startsWith('actions.') || k.startsWith('contact.');
    for (const key of leafKeys(locales.vi).filter(spoken)) {
      expect(leaf(locales.vi, key), key).not.toMatch(/đã nhận/iu);
    }
    for (const key of leafKeys(locales.en).filter(spoken)) {
      expect(leaf(locales.en, key), key).not.toMatch(/\b(received|delivered)\b/iu);
    }
  });
});
