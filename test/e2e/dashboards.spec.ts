import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type APIRequestContext, expect, type Page, test, type TestInfo } from '@playwright/test';
import { auth, shot, signIn, signInAs, signOutBeforeEach, token } from './support';

// "Tổng quan" (supervisor, auditor): the directory scan of the training directory (totals, per unit with a
// chart, locked accounts, exports), the audit's figures for a period, the monthly report. Nothing here
// changes an account: the locked accounts are only opened in the search view.

signOutBeforeEach();

interface ScanStatus {
  scanId: string;
  state: 'running' | 'done' | 'cancelled' | 'failed';
  scanned: number;
  result: {
    totals: { accounts: number; noMobile: number; locked: number };
    units: { unit: string; accounts: number; noMobile: number }[];
    lockedAccounts: { dn: string; username: string; displayName: string }[];
    lockedListCapped: boolean;
    lockedNamesWithheld?: boolean;
  } | null;
}

interface AuditStats {
  period: { from: string; to: string };
  totals: { cases: number };
  byDay: { day: string; cases: number }[];
  medianHandlingSeconds: number | null;
}

/** A contract call through the web harness with the run's token, as the page would make it. */
async function call<T>(request: APIRequestContext, path: string, data: unknown): Promise<T> {
  const r = await request.post(`/api/${path}`, { data, headers: auth });
  const body = (await r.json()) as { ok: boolean; value: T; error?: unknown };
  expect(body.ok, `${path}: ${JSON.stringify(body.error)}`).toBe(true);
  return body.value;
}

/** Today in Vietnam, YYYY-MM-DD. */
function vnToday(): string {
  return new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
}

/** "1.234" (Vietnamese grouping) → 1234. */
const number = (text: string | null) => Number((text ?? '').replace(/\D/gu, ''));

/** `dd/MM/yyyy` of a `YYYY-MM-DD`. */
const vnDate = (day: string) => day.split('-').reverse().join('/');

/**
 * A screenshot of one part of the page, whole: the page scrolls inside <main>, so the window is made tall
 * enough for the part for the time of the shot.
 */
async function partShot(page: Page, testId: string, info: TestInfo, name: string): Promise<void> {
  const size = page.viewportSize()!;
  const height = await page.getByTestId(testId).evaluate((el) => el.getBoundingClientRect().height);
  await page.setViewportSize({ width: size.width, height: Math.min(6000, Math.max(size.height, Math.ceil(height) + 260)) });
  await shot(page.getByTestId(testId), info, name);
  await page.setViewportSize(size);
}

async function openDashboards(page: Page): Promise<void> {
  await page.getByTestId('nav-dashboards').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Tổng quan');
  expect(page.url()).toMatch(/#\/dashboards$/u);
}

/** "Quét thư mục" to the end: the scan's status as the main process reports it. */
async function scanToTheEnd(page: Page): Promise<ScanStatus> {
  await page.getByTestId('scan-start').click();
  const at = page.getByTestId('scan-at');
  await expect(at).toContainText('Số liệu lúc', { timeout: 30_000 });
  await expect(page.getByTestId('scan-progress')).toHaveCount(0);
  const scanId = await page.getByTestId('directory-scan').getAttribute('data-scan-id');
  expect(scanId).toMatch(/^[0-9a-f-]{36}$/u);
  const status = await call<ScanStatus>(page.request, 'dashboards/scanStatus', { scanId });
  expect(status.state).toBe('done');
  expect(status.result).not.toBeNull();
  return status;
}

test('supervisor: scans the training directory — totals, a chart per unit, exports, locked accounts opened in the search', async ({ page }, info) => {
  await signInAs(page, 'giamsat01', 'Võ Thanh Tâm');
  await expect(page.getByTestId('nav-dashboards')).toHaveText('Tổng quan');
  await openDashboards(page);
  await expect(page.getByTestId('scan-none')).toContainText('Chưa có số liệu');

  const status = await scanToTheEnd(page);
  const result = status.result!;

  // The totals are the main process's: every account it read.
  const totals = page.getByTestId('scan-totals');
  await expect(totals.getByTestId('figure-accounts').getByTestId('figure-value')).not.toBeEmpty();
  expect(number(await totals.getByTestId('figure-accounts').getByTestId('figure-value').textContent())).toBe(result.totals.accounts);
  expect(result.totals.accounts).toBe(status.scanned);
  expect(number(await totals.getByTestId('figure-noMobile').getByTestId('figure-value').textContent())).toBe(result.totals.noMobile);
  expect(number(await totals.getByTestId('figure-locked').getByTestId('figure-value').textContent())).toBe(result.totals.locked);
  for (const label of ['Tổng số tài khoản', 'Chưa có số di động khôi phục', 'Chưa có thư dự phòng', 'Chưa có cả hai', 'Đang bị khóa', 'Phải đổi mật khẩu', 'Mật khẩu hết hạn', 'Bị quản trị viên khóa']) {
    await expect(totals).toContainText(label);
  }
  await expect(page.getByTestId('scan-at')).toHaveText(/^Số liệu lúc \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/u);

  // The chart of accounts without a usable mobile, per unit: drawn, labelled with its figures.
  const chart = page.getByTestId('chart-no-mobile');
  await expect(chart.locator('canvas')).toBeVisible();
  await expect(chart.locator('canvas')).toHaveAttribute('role', 'img');
  await expect(chart.locator('canvas')).toHaveAttribute('aria-label', /^Biểu đồ thanh ngang, tài khoản chưa có số di động khôi phục theo đơn vị: .+: \d/u);
  await expect(chart.locator('figcaption')).toContainText('Tài khoản chưa có số di động khôi phục dùng được, theo đơn vị');

  // The per-unit table: one row per unit, the share without a mobile, sortable by it.
  const rows = page.getByTestId('unit-row');
  await expect(rows).toHaveCount(result.units.length);
  expect(result.units.length).toBeGreaterThan(0);
  const shares = async () =>
    (await page.getByTestId('unit-noMobileShare').allTextContents()).map((s) => (s.trim() === '—' ? -1 : Number(s.replace(/[^\d,]/gu, '').replace(',', '.'))));
  const sortedDesc = await shares();
  expect(sortedDesc).toEqual([...sortedDesc].sort((a, b) => b - a));
  await page.getByTestId('unit-sort-noMobileShare').click();
  await expect(page.getByTestId('unit-sort-noMobileShare').locator('xpath=..')).toHaveAttribute('aria-sort', 'ascending');
  const sortedAsc = (await shares()).filter((s) => s >= 0);
  expect(sortedAsc).toEqual([...sortedAsc].sort((a, b) => a - b));
  expect(number(await page.getByTestId('unit-total-accounts').textContent())).toBe(result.totals.accounts);
  await partShot(page, 'dash-scan', info, 'dashboards-scan');

  // Exports under file names the page proposes, into the export folder the main process chooses.
  const appInfo = await call<{ exportDir: string }>(page.request, 'app/info', {});
  await expect(page.getByTestId('units-export-file-name')).toHaveValue(`thong-ke-theo-don-vi-${vnToday()}.xlsx`);
  await expect(page.getByTestId('locked-export-file-name')).toHaveValue(`tai-khoan-bi-khoa-${vnToday()}.csv`);
  const dir = appInfo.exportDir;
  const tag = randomBytes(4).toString('hex');
  const unitsPath = join(dir, `don-vi-${tag}.xlsx`);
  await page.getByTestId('units-export-file-name').fill(`don-vi-${tag}.xlsx`);
  await page.getByTestId('units-export-xlsx').click();
  await expect(page.getByTestId('units-export-done')).toHaveText(`Đã xuất ${result.units.length + 1} dòng vào ${unitsPath}`);
  expect(existsSync(unitsPath)).toBe(true);
  expect(statSync(unitsPath).size).toBeGreaterThan(0);
  expect(readFileSync(unitsPath).subarray(0, 2).toString('latin1')).toBe('PK');

  expect(result.lockedAccounts.length).toBeGreaterThan(0);
  const locked = result.lockedAccounts[0]!;
  const lockedPath = join(dir, `bi-khoa-${tag}.csv`);
  await page.getByTestId('locked-export-file-name').fill(`bi-khoa-${tag}.csv`);
  await page.getByTestId('locked-export-csv').click();
  await expect(page.getByTestId('locked-export-done')).toContainText(`vào ${lockedPath}`);
  const csv = readFileSync(lockedPath, 'utf8');
  expect(csv).toContain(locked.username);
  expect(csv).toContain(locked.displayName);
  // The same name again: never written over, the translated reason.
  await page.getByTestId('locked-export-csv').click();
  await expect(page.getByTestId('locked-export-error')).toContainText('Đã có tệp trùng tên ở đó: ứng dụng không ghi đè');
  expect(readFileSync(lockedPath, 'utf8')).toBe(csv);

  // The locked accounts, newest first, and "Mở yêu cầu hỗ trợ" on one of them: the search view with its panel.
  const lockedRows = page.getByTestId('locked-row');
  await expect(lockedRows).toHaveCount(result.lockedAccounts.length);
  await expect(page.getByTestId('locked-count')).toHaveText(`${result.lockedAccounts.length} tài khoản`);
  if (result.lockedListCapped) await expect(page.getByTestId('locked-capped')).toContainText('Chỉ hiển thị');
  else await expect(page.getByTestId('locked-capped')).toHaveCount(0);
  const row = page.locator(`[data-testid="locked-row"][data-username="${locked.username}"]`);
  await expect(row.getByTestId('locked-name')).toHaveText(locked.displayName);
  await expect(row.getByTestId('locked-at')).toHaveText(/^(\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}|Không rõ)$/u);
  await partShot(page, 'dash-locked', info, 'dashboards-locked');
  await row.getByRole('button', { name: 'Mở yêu cầu hỗ trợ' }).click();
  await expect(page.getByTestId('account-panel').getByTestId('account-username')).toHaveText(locked.username);
  await expect(page.getByTestId('account-panel').getByTestId('account-display-name')).toHaveText(locked.displayName);
  expect(decodeURIComponent(page.url())).toContain(`#/search/${locked.dn}`);
  await expect(page.getByTestId('account-panel').getByTestId('badge-locked')).toBeVisible();
  // The verification wizard is open at its first step: the reason of the call.
  await expect(page.getByTestId('case-reason')).toBeVisible();
  await shot(page, info, 'dashboards-open-case');

  // Back on Tổng quan: the scan shown is still there.
  await page.getByTestId('nav-dashboards').click();
  await expect(page.getByTestId('scan-at')).toContainText('Số liệu lúc');
  await expect(rows).toHaveCount(result.units.length);
});

test('supervisor: the audit figures of this month (chart per day, median), a reversed period, last month; the monthly report as PDF', async ({ page }, info) => {
  await signInAs(page, 'giamsat01', 'Võ Thanh Tâm');
  await openDashboards(page);

  // Default period: this month in Vietnam, from the 1st to today.
  const today = vnToday();
  const first = `${today.slice(0, 7)}-01`;
  await expect(page.getByTestId('stats-from')).toHaveValue(first);
  await expect(page.getByTestId('stats-to')).toHaveValue(today);
  await expect(page.getByTestId('stats-period')).toHaveText(`Từ ${vnDate(first)} đến ${vnDate(today)}`);
  const stats = await call<AuditStats>(page.request, 'dashboards/auditStats', { from: first, to: today });
  const figures = page.getByTestId('stats-totals');
  // The E2E run itself took calls (the specs before this one): the figures are the main process's.
  expect(number(await figures.getByTestId('figure-stats-cases').getByTestId('figure-value').textContent())).toBe(stats.totals.cases);
  const median = stats.medianHandlingSeconds;
  const expected = median === null ? '—' : `${Math.floor(Math.round(median) / 60)}:${String(Math.round(median) % 60).padStart(2, '0')}`;
  await expect(figures.getByTestId('figure-stats-median').getByTestId('figure-value')).toHaveText(expected);
  await expect(figures.getByTestId('figure-stats-median')).toContainText('Thời gian xử lý trung vị');

  // Calls per day: a chart, its figures in a table (one row per day of the period).
  const chart = page.getByTestId('chart-calls-per-day');
  await expect(chart.locator('canvas')).toBeVisible();
  await expect(chart.locator('canvas')).toHaveAttribute('aria-label', /^Biểu đồ cột, số cuộc gọi mỗi ngày/u);
  await chart.getByText('Xem bảng số liệu theo ngày').click();
  await expect(chart.getByTestId('calls-per-day-row')).toHaveCount(stats.byDay.length);
  await expect(chart.getByTestId('calls-per-day-row').last()).toContainText(vnDate(today));
  if (stats.totals.cases > 0) {
    await expect(page.getByTestId('stats-by-action')).toBeVisible();
    await expect(page.locator('[data-testid="stats-action-row"][data-action="case.open"]').getByTestId('stats-action-label')).toHaveText('Mở yêu cầu hỗ trợ');
    await expect(page.getByTestId('stats-by-operator')).toBeVisible();
  }
  await partShot(page, 'dash-stats', info, 'dashboards-audit-stats');

  // A reversed period: the main process's reason, translated, at the "to" field; the figures stay.
  await page.getByTestId('stats-from').fill(today);
  await page.getByTestId('stats-to').fill('2020-01-01');
  await page.getByTestId('stats-apply').click();
  await expect(page.getByTestId('field-error-stats.to')).toHaveText('“Đến ngày” phải sau hoặc bằng “Từ ngày”.');
  await expect(page.getByTestId('stats-to')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('stats-to')).toBeFocused();
  await expect(page.getByTestId('stats-period')).toHaveText(`Từ ${vnDate(first)} đến ${vnDate(today)}`);
  await partShot(page, 'stats-form', info, 'dashboards-reversed-period');

  // "Tháng trước": the whole of last month, the error gone.
  const [y, m] = today.split('-').map(Number) as [number, number];
  const last = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
  const lastDay = new Date(Date.UTC(Number(last.slice(0, 4)), Number(last.slice(5)), 0)).getUTCDate();
  await page.getByTestId('stats-last-month').click();
  await expect(page.getByTestId('stats-from')).toHaveValue(`${last}-01`);
  await expect(page.getByTestId('stats-to')).toHaveValue(`${last}-${lastDay}`);
  await expect(page.getByTestId('field-error-stats.to')).toHaveCount(0);
  await expect(page.getByTestId('stats-period')).toHaveText(`Từ 01/${last.slice(5)}/${last.slice(0, 4)} đến ${lastDay}/${last.slice(5)}/${last.slice(0, 4)}`);

  // The monthly report of this month: a file name proposed, the file in the export folder.
  const appInfo = await call<{ exportDir: string }>(page.request, 'app/info', {});
  const month = today.slice(0, 7);
  await expect(page.getByTestId('report-month')).toHaveValue(month);
  await expect(page.getByTestId('report-file-name')).toHaveValue(`bao-cao-${month}.pdf`);
  // A month not yet begun: said at the field, nothing written.
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  await page.getByTestId('report-month').fill(next);
  await expect(page.getByTestId('report-file-name')).toHaveValue(`bao-cao-${next}.pdf`);
  await page.getByTestId('report-create').click();
  await expect(page.getByTestId('field-error-report.month')).toHaveText('Không chọn được tháng trong tương lai.');
  await page.getByTestId('report-month').fill(month);
  const name = `bao-cao-${month}-${randomBytes(4).toString('hex')}.pdf`;
  const pdf = join(appInfo.exportDir, name);
  await page.getByTestId('report-file-name').fill(name);
  await page.getByTestId('report-create').click();
  await expect(page.getByTestId('report-done')).toHaveText(new RegExp(`^Đã tạo báo cáo \\d+ trang: ${pdf.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')}$`, 'u'), { timeout: 30_000 });
  expect(readFileSync(pdf).subarray(0, 4).toString('latin1')).toBe('%PDF');
  await partShot(page, 'dash-report', info, 'dashboards-monthly-report');
});

test('auditor: sees Tổng quan and scans, as counts per unit — no account names, no export of them, no "Mở yêu cầu hỗ trợ"', async ({ page }, info) => {
  await signInAs(page, 'kiemtra01', 'Lê Thị Kim Oanh');
  await openDashboards(page);
  const status = await scanToTheEnd(page);
  await expect(page.getByTestId('unit-row')).toHaveCount(status.result!.units.length);
  // Issue #14 item 10: the independent reviewer sees the hotline, not the people.
  expect(status.result!.lockedAccounts).toEqual([]);
  expect(status.result!.lockedNamesWithheld).toBe(true);
  await expect(page.getByTestId('locked-withheld')).toContainText(`Có ${status.result!.totals.locked} tài khoản đang bị khóa`);
  await expect(page.getByTestId('locked-row')).toHaveCount(0);
  await expect(page.getByTestId('locked-export')).toHaveCount(0);
  await expect(page.getByTestId('locked-open')).toHaveCount(0);
  const refused = await page.request.post('/api/dashboards/exportScan', { data: { scanId: status.scanId, list: 'locked', format: 'csv', fileName: 'khoa.csv' }, headers: auth });
  expect(await refused.json()).toEqual({ ok: false, error: { code: 'ACTION_NOT_PERMITTED', reason: 'names_withheld' } });
  await partShot(page, 'dash-scan', info, 'dashboards-auditor');
});

test('operator: no Tổng quan link, and #/dashboards sends them back to the search', async ({ page }, info) => {
  await signIn(page);
  await expect(page.getByTestId('nav-search')).toBeVisible();
  await expect(page.getByTestId('nav-dashboards')).toHaveCount(0);
  await page.goto(`/?token=${token}#/dashboards`);
  await expect(page.getByTestId('search-input')).toBeVisible();
  expect(page.url()).toMatch(/#\/search$/u);
  await expect(page.getByRole('heading', { level: 1 })).not.toHaveText('Tổng quan');
  await shot(page, info, 'dashboards-operator-refused');
});

test('at 1366×768 the unit table and the monthly report fit the width: no header wraps past two lines, nothing scrolls sideways', async ({ page }, info) => {
  await page.setViewportSize({ width: 1366, height: 768 });
  await signInAs(page, 'giamsat01', 'Võ Thanh Tâm');
  await openDashboards(page);
  await scanToTheEnd(page);
  const heads = page.locator('[data-testid="dash-units"] thead th');
  await expect(heads.first()).toBeVisible();
  // The lines a header's words take: the distinct tops of its text's boxes (a row's height would count its neighbours').
  const lines = await heads.evaluateAll((ths) =>
    ths.map((th) => {
      const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
      const tops: number[] = [];
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const r of range.getClientRects()) if (r.width > 0) tops.push(r.top);
      }
      // Boxes on one line may differ by a few pixels (the sort arrow sits on the baseline of the last line).
      const lines = tops.sort((a, b) => a - b).filter((top, i, all) => i === 0 || top - all[i - 1]! > 6).length;
      return { text: (th as HTMLElement).innerText.replace(/\s+/gu, ' ').trim(), lines };
    }),
  );
  const worst = Math.max(...lines.map((l) => l.lines));
  const line = `[dashboards] unit table at 1366×768: ${lines.length} column headers, at most ${worst} line(s) each`;
  console.log(line);
  await info.attach('unit-table-headers', { body: `${line}\n${JSON.stringify(lines)}`, contentType: 'text/plain' });
  await partShot(page, 'dash-units', info, 'dashboards-units-1366');
  expect(worst, JSON.stringify(lines)).toBeLessThanOrEqual(2);
  for (const id of ['dash-units', 'dash-report', 'dash-stats']) {
    const overflow = await page
      .getByTestId(id)
      .evaluate((el) =>
        [...el.querySelectorAll<HTMLElement>('*')]
          .filter((c) => c.scrollWidth > c.clientWidth + 1 && !['visible', 'hidden', 'clip'].includes(getComputedStyle(c).overflowX))
          .map((c) => `${c.tagName}.${c.className} ${c.scrollWidth}>${c.clientWidth}`),
      );
    expect(overflow, `${id} scrolls sideways`).toEqual([]);
  }
  await partShot(page, 'dash-report', info, 'dashboards-report-1366');
});
