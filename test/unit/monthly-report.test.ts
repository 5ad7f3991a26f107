import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeMonthlyReportPdf } from '../../src-main/adapters/export/monthly-report';
import type { AuditEntry, MonthlyReport } from '../../src-main/common/dto';
import { createAuditTally } from '../../src-main/domain/audit-stats';
import type { HelpdeskError } from '../../src-main/domain/errors';

// The monthly report (PDF, Vietnamese): built from audit rows through the real tally, read back with poppler.
const NOVEMBER = { from: '2026-11-01', to: '2026-11-30' };
const UNIT = 'Sở Thông tin và Truyền thông';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) {
    chmodSync(d, 0o700);
    rmSync(d, { recursive: true, force: true });
  }
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'monthly-report-'));
  dirs.push(d);
  return d;
};

const pdfinfo = (path: string) => execFileSync('pdfinfo', [path], { encoding: 'utf8' });
const pageCount = (path: string) => Number(/^Pages:\s+(\d+)$/mu.exec(pdfinfo(path))?.[1]);
const text = (path: string, page?: number) =>
  execFileSync('pdftotext', ['-layout', ...(page ? ['-f', String(page), '-l', String(page)] : []), path, '-'], { encoding: 'utf8' });

/** Builds audit rows in time order, as the audit log holds them. */
function rows() {
  const list: AuditEntry[] = [];
  const add = (at: number, operator: string, action: string, outcome: AuditEntry['outcome'], caseId: string | null, target = 'nguyenvana') =>
    list.push({ seq: list.length + 1, at: new Date(at).toISOString(), operator, action, outcome, target, unit: UNIT, caseId, detail: {} });
  return { list, add };
}

/**
 * A small unit's November: day d has d % 4 calls (so 0 on days 4, 8, …: 45 calls in all); call k is taken by
 * tongdai01 / tongdai02 / giamsat01 in turn, goes code sent → code verified → one account action (unlock,
 * reset, reset+unlock, contact in turn) → closed after 3, 4 or 5 minutes. Besides: two unlocks in error,
 * three resets refused, one supervisor override, and an action the report has no label for.
 */
function smallReport(): MonthlyReport {
  const { list, add } = rows();
  const operators = ['tongdai01', 'tongdai02', 'giamsat01'];
  const accountActions = ['account.unlock', 'account.reset', 'account.reset-unlock', 'account.contact'];
  let k = 0;
  for (let d = 1; d <= 30; d++) {
    for (let i = 0; i < d % 4; i++, k++) {
      const open = Date.UTC(2026, 10, d, 1 + 2 * i); // 08:00, 10:00, 12:00 in Hà Nội
      const op = operators[k % 3]!;
      const c = `case-${k}`;
      add(open, op, 'case.open', 'ok', c);
      add(open + 20_000, op, 'code.send', 'ok', c);
      add(open + 90_000, op, 'code.verify', 'ok', c);
      add(open + 120_000, op, accountActions[k % 4]!, 'ok', c);
      add(open + (180 + (k % 3) * 60) * 1000, op, 'case.close', 'ok', c);
    }
  }
  add(Date.UTC(2026, 10, 10, 3), 'tongdai01', 'account.unlock', 'error', null);
  add(Date.UTC(2026, 10, 11, 3), 'tongdai02', 'account.unlock', 'error', null);
  for (const d of [12, 13, 14]) add(Date.UTC(2026, 10, d, 3), 'tongdai02', 'account.reset', 'refused', null);
  add(Date.UTC(2026, 10, 15, 3), 'giamsat01', 'case.override', 'ok', 'case-x');
  add(Date.UTC(2026, 10, 16, 3), 'tongdai01', 'directory.search', 'ok', null);

  const tally = createAuditTally(NOVEMBER, UNIT);
  // tongdai01's sign-in gave the directory's full name (a unit's report reads sign-ins for names only).
  tally.learnName({ seq: 0, at: new Date(Date.UTC(2026, 10, 1, 0)).toISOString(), operator: 'tongdai01', action: 'session.signIn', outcome: 'ok', target: 'tongdai01', unit: null, caseId: null, detail: { roles: 'operator', name: 'Đặng Thu Hà' } });
  for (const r of list) tally.add(r);
  const stats = tally.result();
  // What the PDF must show, worked out by hand: unlock k ≡ 0 (mod 4) → 12 of k = 0…44, the others 11 each;
  // handling 180/240/300 s, 15 of each: the median is 240 s.
  expect(stats.totals).toEqual({ cases: 45, unlock: 12, reset: 11, resetUnlock: 11, contact: 11, override: 1, refused: 3, errors: 2 });
  expect(stats.medianHandlingSeconds).toBe(240);
  expect(stats.casesClosed).toBe(45);
  expect(stats.byDay).toHaveLength(30);
  return { agency: UNIT, generatedAt: '2026-11-30T17:30:00Z', generatedBy: 'Nguyễn Thị Hương', stats };
}

/** All units, 120 operators: operator j (1…120) takes (j - 1) % 5 + 1 calls, each an unlock: 360 calls. */
function bigReport(): MonthlyReport {
  const { list, add } = rows();
  let c = 0;
  for (let j = 1; j <= 120; j++) {
    const op = `tongdai${String(j).padStart(3, '0')}`;
    for (let i = 0; i < ((j - 1) % 5) + 1; i++, c++) {
      const open = Date.UTC(2026, 10, (c % 30) + 1, 2) + c * 1000;
      add(open, op, 'case.open', 'ok', `c${c}`);
      add(open + 60_000, op, 'account.unlock', 'ok', `c${c}`);
      add(open + 200_000, op, 'case.close', 'ok', `c${c}`);
    }
  }
  const tally = createAuditTally(NOVEMBER, null);
  for (const r of list.sort((a, b) => a.at.localeCompare(b.at))) tally.add(r);
  const stats = tally.result();
  expect(stats.totals.cases).toBe(360);
  expect(stats.byOperator).toHaveLength(120);
  return { agency: 'Ủy ban nhân dân tỉnh Đồng Tháp', generatedAt: '2026-12-01T02:00:00Z', generatedBy: 'Trần Văn Bình', stats };
}

describe('monthly report PDF', () => {
  it('a small unit: two A4 pages, in Vietnamese, with its period, unit, totals and labels', async () => {
    const dir = tmp();
    const path = join(dir, 'bao-cao-thang-11.pdf');
    const result = await writeMonthlyReportPdf(smallReport(), path);

    // Page 1: header, title, the totals (11 rows) and the chart with its summary line end about 680 pt
    // down; the per-day table (header + 8 rows, ≈150 pt) is kept whole and no longer fits above the
    // bottom margin (771 pt), so it opens page 2, followed by sections 3 and 4 (3 operators): 2 pages.
    expect(result).toEqual({ path, pages: 2, bytes: statSync(path).size });
    expect(pageCount(path)).toBe(2);
    expect(pdfinfo(path)).toMatch(/Page size:\s+595\.28 x 841\.89 pts \(A4\)/u);
    expect(readFileSync(path).subarray(0, 5).toString()).toBe('%PDF-');
    expect(readdirSync(dir)).toEqual(['bao-cao-thang-11.pdf']);

    const all = text(path);
    for (const s of [
      'SỞ THÔNG TIN VÀ TRUYỀN THÔNG',
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      'Độc lập - Tự do - Hạnh phúc',
      // 17:30Z on 30/11 is 00:30 on 1/12 in Hà Nội.
      'ngày 01 tháng 12 năm 2026',
      'BÁO CÁO HỖ TRỢ TÀI KHOẢN',
      'Từ ngày 01/11/2026 đến ngày 30/11/2026',
      `Đơn vị: ${UNIT}`,
      '1. Tổng hợp',
      '2. Số cuộc gọi theo ngày',
      '3. Theo thao tác',
      '4. Theo người thực hiện',
      'nhiều nhất 3 cuộc gọi (ngày 03/11/2026)',
      'Lập bởi: Nguyễn Thị Hương — Helpdesk',
      'Trang 1/2',
      'Trang 2/2',
    ]) {
      expect(all).toContain(s);
    }
    // Totals, each on its row.
    for (const [label, value] of [
      ['Số cuộc gọi tiếp nhận', '45'],
      ['Mở khóa', '12'],
      ['Đặt lại mật khẩu', '11'],
      ['Đặt lại và mở khóa', '11'],
      ['Cập nhật thông tin khôi phục', '11'],
      ['Giám sát viên xác thực thay', '1'],
      ['Thao tác bị từ chối', '3'],
      ['Lỗi', '2'],
      ['Thời gian xử lý trung vị (phút:giây)', '4:00'],
      ['Số phiên đã đóng', '45'],
    ] as const) {
      expect(all).toMatch(new RegExp(`\\d+\\s+${label.replace(/[()]/gu, '\\$&')}\\s+${value}\\n`, 'u'));
    }
    // By action (ok / error / refused), every one by its Vietnamese label (never an action's id).
    const page2 = text(path, 2);
    for (const [label, ok, error, refused] of [
      ['Mở yêu cầu hỗ trợ', 45, 0, 0],
      ['Gửi mã OTP', 45, 0, 0],
      ['Nhập mã OTP', 45, 0, 0],
      ['Giám sát viên xác thực thay', 1, 0, 0],
      ['Mở khóa tài khoản', 12, 2, 0],
      ['Đặt lại mật khẩu', 11, 0, 3],
      ['Mở khóa và đặt lại mật khẩu', 11, 0, 0],
      ['Cập nhật thông tin khôi phục', 11, 0, 0],
      ['Đóng yêu cầu hỗ trợ', 45, 0, 0],
      ['Tìm tài khoản', 1, 0, 0],
    ] as const) {
      expect(page2).toMatch(new RegExp(`\\n\\s*${label}\\s+${ok}\\s+${error}\\s+${refused}\\n`, 'u'));
    }
    // Page 2 opens with the per-day table; 01/11 had 1 call, 04/11 none.
    expect(page2.trimStart()).toMatch(/^Ngày\s+Số cuộc gọi\s+Ngày/u);
    expect(page2).toMatch(/01\/11\s+1\s/u);
    expect(page2).toMatch(/04\/11\s+0\s/u);
    // Operators: 45 calls in turn → 15 each; accounts actions all theirs.
    expect(page2).toMatch(/Đặng Thu Hà \(tongdai01\)\s+15\s+15\n/u);
    expect(page2).toMatch(/\s{2}tongdai02\s+15\s+15\n/u);
    expect(page2).toMatch(/Tổng cộng\s+45\s+45\n/u);
  });

  it('120 operators: the operator table runs over pages, its header repeated on each', async () => {
    const dir = tmp();
    const path = join(dir, 'bao-cao.pdf');
    const result = await writeMonthlyReportPdf(bigReport(), path);

    // Heights (Roboto: ascent + descent = 1.172 em; line height 1.15; table cells 2 + 2 pt padding, 1 pt rules):
    // a table row at 10 pt is 10 × 1.172 × 1.15 + 4 + 1 = 18.48 pt, at 9 pt 17.13 pt; a section heading
    // (12 pt, 14 + 6 pt margins) 36.2 pt. An A4 page has 841.89 − 56.69 − 70.87 = 714.33 pt inside its margins.
    // Page 1 is as in the small report. Page 2: the per-day table (9 rows × 17.13 + 1 = 155.2), heading 3,
    // the actions table (header + 3 actions: 74.9), heading 4 and the operators' header (18.48 + 1):
    // 322 pt, leaving room for 21 operator rows (392 / 18.48 = 21.2). Each following page: the repeated
    // header + 37 rows (38 × 18.48 + 1 = 703 pt; 39 rows would be 722). Rows 22–58 on page 3, 59–95 on
    // page 4, 96–120 and the total row on page 5: 5 pages.
    expect(result).toEqual({ path, pages: 5, bytes: statSync(path).size });
    expect(pageCount(path)).toBe(5);
    expect(text(path)).toContain('Toàn bộ các đơn vị');
    expect(text(path)).toContain('ỦY BAN NHÂN DÂN TỈNH ĐỒNG THÁP');

    const firstAndLast = (page: number) => {
      const numbers = [...text(path, page).matchAll(/^\s+(\d+)\s+tongdai\d{3}\s/gmu)].map((m) => Number(m[1]));
      return [numbers[0], numbers.at(-1)];
    };
    expect(firstAndLast(2)).toEqual([1, 21]);
    for (const [page, rows] of [
      [3, [22, 58]],
      [4, [59, 95]],
      [5, [96, 120]],
    ] as const) {
      const t = text(path, page);
      expect(firstAndLast(page)).toEqual(rows);
      // The header row is repeated at the top of each page the table continues on.
      expect(t.trimStart()).toMatch(/^STT\s+Người thực hiện\s+Số cuộc gọi\s+Số thao tác\n/u);
      expect(t).toContain(`Trang ${page}/5`);
    }
    expect(text(path, 5)).toMatch(/Tổng cộng\s+360\s+360\n/u);
    // Operators with 5 calls come first (sorted by calls, then name).
    expect(text(path, 2)).toMatch(/\n\s+1\s+tongdai005\s+5\s+5\n/u);
  });

  it('a month without calls: the chart and tables still come out', async () => {
    const path = join(tmp(), 'trong.pdf');
    const stats = createAuditTally({ from: '2026-12-01', to: '2026-12-31' }, null).result();
    const result = await writeMonthlyReportPdf({ agency: 'Bộ Nội vụ', generatedAt: '2027-01-05T03:00:00Z', generatedBy: 'Lê Thị C', stats }, path);
    expect(result.pages).toBe(pageCount(path));
    const t = text(path);
    expect(t).toContain('Từ ngày 01/12/2026 đến ngày 31/12/2026');
    expect(t).toContain('ngày 05 tháng 01 năm 2027');
    expect(t).toContain('31 ngày, không có cuộc gọi nào trong kỳ báo cáo.');
    expect(t).toMatch(/Thời gian xử lý trung vị \(phút:giây\)\s+—\n/u);
    expect(t).toContain('Không có dữ liệu trong kỳ báo cáo.');
  });

  it('a path that cannot be written: EXPORT_WRITE_FAILED and nothing left behind; a wrong target: VALIDATION_FAILED', async () => {
    const report = smallReport();
    const dir = tmp();
    const code = (p: string, r = report) =>
      writeMonthlyReportPdf(r, p).then(
        () => 'written',
        (e: HelpdeskError) => `${e.code}:${e.reason ?? e.detail}`,
      );
    expect(await code(join(dir, 'no-such-folder', 'x.pdf'))).toBe('EXPORT_WRITE_FAILED:ENOENT');
    writeFileSync(join(dir, 'file'), 'keep');
    expect(await code(join(dir, 'file', 'x.pdf'))).toBe('EXPORT_WRITE_FAILED:ENOTDIR');
    // Something holds the name already (a folder here): never replaced, no trace of the report.
    mkdirSync(join(dir, 'taken.pdf'));
    writeFileSync(join(dir, 'taken.pdf', 'inside'), 'keep');
    expect(await code(join(dir, 'taken.pdf'))).toBe('EXPORT_WRITE_FAILED:exists');

    expect(await code(join(dir, 'x.docx'))).toBe('VALIDATION_FAILED:invalid_format');
    expect(await code(join(dir, 'x.PDF.txt'))).toBe('VALIDATION_FAILED:invalid_format');
    expect(await code('relative/x.pdf')).toBe('VALIDATION_FAILED:invalid_format');
    const badPeriod = { ...report, stats: { ...report.stats, period: { from: '1/11/2026', to: '2026-11-30' } } };
    expect(await code(join(dir, 'x.pdf'), badPeriod)).toBe('VALIDATION_FAILED:invalid_format');

    expect(readdirSync(dir).sort()).toEqual(['file', 'taken.pdf']);
    expect(readdirSync(join(dir, 'taken.pdf'))).toEqual(['inside']);
    expect(readFileSync(join(dir, 'taken.pdf', 'inside'), 'utf8')).toBe('keep');
  });

});
