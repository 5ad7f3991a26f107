import type { AuditExportResult, DirectoryDashboard } from '../../common/dto';
import { type ExportFormat, exportTable, vnTime } from './audit-export';

export type DashboardList = 'units' | 'locked';

const COUNT_COLUMNS = [
  { key: 'accounts', title: 'Tổng số tài khoản' },
  { key: 'noMobile', title: 'Chưa có số di động khôi phục' },
  { key: 'noBackupEmail', title: 'Chưa có thư điện tử dự phòng' },
  { key: 'noContact', title: 'Chưa có cả hai' },
  { key: 'locked', title: 'Đang bị khóa' },
  { key: 'disabled', title: 'Bị quản trị viên khóa' },
  { key: 'mustChangePassword', title: 'Phải đổi mật khẩu' },
  { key: 'passwordNeverChanged', title: 'Chưa đổi mật khẩu lần nào' },
  { key: 'passwordExpired', title: 'Mật khẩu hết hạn' },
] as const;

/** A dashboard list of a finished scan to CSV or XLSX: the per-unit counts (with a total row) or the locked accounts. */
export function exportDashboardList(d: DirectoryDashboard, list: DashboardList, format: ExportFormat, path: string): Promise<AuditExportResult> {
  if (list === 'units') {
    return exportTable(
      {
        sheet: 'Theo đơn vị',
        columns: [{ title: 'Đơn vị', width: 40 }, ...COUNT_COLUMNS.map((c) => ({ title: c.title, width: 16 }))],
        rows: [
          ...d.units.map((u) => [u.unit, ...COUNT_COLUMNS.map((c) => u[c.key])]),
          ['Tổng cộng', ...COUNT_COLUMNS.map((c) => d.totals[c.key])],
        ],
      },
      format,
      path,
    );
  }
  return exportTable(
    {
      sheet: 'Tài khoản bị khóa',
      columns: [
        { title: 'Tài khoản', width: 18 },
        { title: 'Họ và tên', width: 28 },
        { title: 'Đơn vị', width: 40 },
        { title: 'Thời điểm bị khóa (giờ Việt Nam)', width: 22 },
        { title: 'DN', width: 60 },
      ],
      rows: d.lockedAccounts.map((a) => [a.username, a.displayName, a.unit ?? '', a.lockedAt ? vnTime(a.lockedAt) : '', a.dn]),
    },
    format,
    path,
  );
}
