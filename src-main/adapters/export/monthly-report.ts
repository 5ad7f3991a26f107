import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as PdfMake from 'pdfmake';
import type { Content, TableCell, TDocumentDefinitions, TFontDictionary } from 'pdfmake/interfaces';
import type { AuditStats, MonthlyReport } from '../../common/dto';
import { AUDIT_ACTION_LABELS_VI, capital, TERMS } from '../../common/glossary';
import { HelpdeskError } from '../../domain/errors';
import { vnDate } from '../../domain/vn-time';
import { atomically, checkTarget } from './audit-export';
import { chart, CM, MARGIN, n } from './report-chart';

/*
 * The monthly report as a PDF in Vietnamese, laid out as the attachment of an official letter (công văn):
 * A4 portrait, 2 cm margins, the agency and national motto header of Nghị định 30/2020/NĐ-CP.
 *
 * pdfmake 0.3 on Node: the package exports one configured instance (setFonts, setUrlAccessPolicy,
 * setLocalAccessPolicy, createPdf(doc).getBuffer()). It is loaded on first use, with `require` made from
 * this module's URL, so it resolves the same way under tsx/vitest and from out/main once electron-vite has
 * bundled the main process (pdfmake stays external there, in node_modules). The fonts are the Roboto files
 * that ship inside the pdfmake package (they carry the Vietnamese glyphs); nothing is downloaded and no
 * other local file may be read.
 */

// Not named `require`: electron-vite's ESM bundle declares its own top-level `require` shim.
const requireCjs = createRequire(import.meta.url);

/** Bottom margin: 2 cm plus the room the footer takes. */
const MARGIN_BOTTOM = 2.5 * CM;
const ROBOTO = {
  normal: 'Roboto-Regular.ttf',
  bold: 'Roboto-Medium.ttf',
  italics: 'Roboto-Italic.ttf',
  bolditalics: 'Roboto-MediumItalic.ttf',
} as const;

let engine: PdfMakeEngine | null = null;
interface PdfMakeEngine {
  pdfmake: typeof PdfMake;
  fonts: Record<keyof typeof ROBOTO, string>;
}

function loadEngine(): PdfMakeEngine {
  if (!engine) {
    const fonts = Object.fromEntries(
      Object.entries(ROBOTO).map(([style, file]) => [style, requireCjs.resolve(`pdfmake/fonts/Roboto/${file}`)]),
    ) as PdfMakeEngine['fonts'];
    engine = { pdfmake: requireCjs('pdfmake') as typeof PdfMake, fonts };
  }
  return engine;
}


/** The call's own actions first, in the order of a call; the rest after them, by name. */
const ACTION_ORDER: readonly string[] = ['case.open', 'code.send', 'code.verify', 'case.override', 'account.unlock', 'account.reset', 'account.reset-unlock', 'account.contact', 'case.close'];
const ACTION_LABELS: Record<string, string> = AUDIT_ACTION_LABELS_VI;

/** YYYY-MM-DD → its parts; anything else is refused. */
function dayParts(day: string, field: string): { y: string; m: string; d: string } {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/u.exec(day);
  if (!match) throw new HelpdeskError('VALIDATION_FAILED', { field, reason: 'invalid_format' });
  return { y: match[1]!, m: match[2]!, d: match[3]! };
}

/** 2026-11-01 → 01/11/2026. */
function dmy(day: string, field: string): string {
  const { y, m, d } = dayParts(day, field);
  return `${d}/${m}/${y}`;
}

/**
 * The place/date line of an administrative document, the day in Hà Nội time (UTC+7, no daylight saving).
 * As Nghị định 30/2020 asks, days below 10 and the months 1 and 2 take a leading zero ("ngày 05 tháng 3",
 * "ngày 12 tháng 01"). The place is left as dots for the agency to fill in.
 */
function placeAndDate(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new HelpdeskError('VALIDATION_FAILED', { field: 'generatedAt', reason: 'invalid_format' });
  const vn = vnDate(new Date(t));
  const day = String(vn.day).padStart(2, '0');
  return `……………, ngày ${day} tháng ${vn.month <= 2 ? `0${vn.month}` : vn.month} năm ${vn.year}`;
}

/** 245.5 → "4:06" (minutes:seconds); null → "—". */
function minutesSeconds(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

const th = (text: string): TableCell => ({ text, style: 'th' });
const num = (value: number | string, bold = false) => ({ text: typeof value === 'number' ? n(value) : value, alignment: 'right' as const, bold });
const noData = (columns: number): TableCell[] => [
  { text: 'Không có dữ liệu trong kỳ báo cáo.', colSpan: columns, italics: true, alignment: 'center' },
  ...Array.from({ length: columns - 1 }, () => ''),
];

function header(report: MonthlyReport): Content {
  const rule = (width: number): Content => ({
    // The column centres the canvas by its own width (its rightmost point): the line starts at 0.
    canvas: [{ type: 'line', x1: 0, y1: 2, x2: width, y2: 2, lineWidth: 0.6 }],
  });
  return {
    columnGap: 10,
    columns: [
      {
        width: 190,
        alignment: 'center',
        stack: [{ text: report.agency.toLocaleUpperCase('vi-VN'), bold: true, fontSize: 11 }, rule(60)],
      },
      {
        width: '*',
        alignment: 'center',
        stack: [
          { text: 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', bold: true, fontSize: 11 },
          { text: 'Độc lập - Tự do - Hạnh phúc', bold: true, fontSize: 12 },
          rule(150),
          { text: placeAndDate(report.generatedAt), italics: true, margin: [0, 10, 0, 0] },
        ],
      },
    ],
  };
}

function totals(stats: AuditStats): Content {
  const t = stats.totals;
  const rows: [string, number | string][] = [
    ['Số cuộc gọi tiếp nhận', t.cases],
    ['Mở khóa', t.unlock],
    ['Đặt lại mật khẩu', t.reset],
    ['Đặt lại và mở khóa', t.resetUnlock],
    ['Cập nhật thông tin khôi phục', t.contact],
    [`${capital(TERMS.supervisor.vi)} ${TERMS.verify.vi} thay`, t.override],
    ['Thao tác bị từ chối', t.refused],
    ['Lỗi', t.errors],
    ['Thời gian xử lý trung vị (phút:giây)', minutesSeconds(stats.medianHandlingSeconds)],
    ['Số phiên đã đóng', stats.casesClosed],
  ];
  return {
    style: 'table',
    table: {
      headerRows: 1,
      widths: [30, '*', 90],
      body: [[th('STT'), th('Chỉ tiêu'), th('Số lượng')], ...rows.map(([label, value], i) => [{ text: String(i + 1), alignment: 'center' as const }, label, num(value)])],
    },
  };
}

/** The counts per day as a table: four "day | calls" pairs side by side, read down then across. */
function dayTable(byDay: AuditStats['byDay']): Content {
  const groups = 4;
  const rows = Math.ceil(byDay.length / groups);
  const body: TableCell[][] = [Array.from({ length: groups }, () => [th('Ngày'), th('Số cuộc gọi')]).flat()];
  for (let r = 0; r < rows; r++) {
    const row: TableCell[] = [];
    for (let c = 0; c < groups; c++) {
      const d = byDay[c * rows + r];
      row.push(d ? { text: `${d.day.slice(8, 10)}/${d.day.slice(5, 7)}`, alignment: 'center' } : '', d ? num(d.cases) : '');
    }
    body.push(row);
  }
  // Kept on one page when it fits on one (a month: 8 rows), else left to split with its header repeated.
  return { unbreakable: rows <= 30, style: 'table', fontSize: 9, table: { headerRows: 1, widths: Array.from({ length: groups * 2 }, () => '*'), body } };
}

function daySummary(byDay: AuditStats['byDay']): string {
  if (byDay.length === 0) return '';
  const busiest = byDay.reduce((b, d) => (d.cases > b.cases ? d : b), byDay[0]!);
  const mean = byDay.reduce((sum, d) => sum + d.cases, 0) / byDay.length;
  const meanText = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 1 }).format(mean);
  return busiest.cases === 0
    ? `${byDay.length} ngày, không có cuộc gọi nào trong kỳ báo cáo.`
    : `${byDay.length} ngày; bình quân ${meanText} cuộc gọi/ngày; nhiều nhất ${n(busiest.cases)} cuộc gọi (ngày ${dmy(busiest.day, 'stats.byDay')}).`;
}

function actions(byAction: AuditStats['byAction']): Content {
  const rank = (a: string) => (ACTION_ORDER.includes(a) ? ACTION_ORDER.indexOf(a) : ACTION_ORDER.length);
  const sorted = [...byAction].sort((x, y) => rank(x.action) - rank(y.action) || x.action.localeCompare(y.action));
  const body: TableCell[][] = [[th('Thao tác'), th('Thành công'), th('Lỗi'), th('Bị từ chối')]];
  for (const a of sorted) body.push([ACTION_LABELS[a.action] ?? a.action, num(a.ok), num(a.error), num(a.refused)]);
  if (sorted.length === 0) body.push(noData(4));
  return { style: 'table', table: { headerRows: 1, keepWithHeaderRows: 1, widths: ['*', 75, 75, 75], body } };
}

function operators(byOperator: AuditStats['byOperator']): Content {
  const body: TableCell[][] = [[th('STT'), th('Người thực hiện'), th('Số cuộc gọi'), th('Số thao tác')]];
  // By full name as a letter names people, the username beside it (what the audit rows say).
  byOperator.forEach((o, i) => body.push([{ text: String(i + 1), alignment: 'center' }, o.name ? `${o.name} (${o.operator})` : o.operator, num(o.cases), num(o.actions)]));
  if (byOperator.length === 0) body.push(noData(4));
  else {
    const sum = byOperator.reduce((s, o) => ({ cases: s.cases + o.cases, actions: s.actions + o.actions }), { cases: 0, actions: 0 });
    body.push([{ text: 'Tổng cộng', colSpan: 2, bold: true }, '', num(sum.cases, true), num(sum.actions, true)]);
  }
  return { style: 'table', table: { headerRows: 1, keepWithHeaderRows: 1, widths: [30, '*', 90, 90], body } };
}

/** Room a section heading needs below it on its page: the heading, its table's header row and two rows. */
const KEEP_WITH_HEADING = 80;

/**
 * A section heading; one that opens a table is marked so `pageBreakBefore` moves it to the next page rather
 * than leave it at the foot of a page with its table starting overleaf.
 */
function heading(text: string, table = true): Content {
  return table ? { text, style: 'h2', headlineLevel: 1 } : { text, style: 'h2' };
}

/** The document definition; `onPageCount` learns the page count while pdfmake lays the pages out. */
function monthlyReportDocument(report: MonthlyReport, onPageCount: (pages: number) => void): TDocumentDefinitions {
  const s = report.stats;
  const from = dmy(s.period.from, 'stats.period.from');
  const to = dmy(s.period.to, 'stats.period.to');
  const unit = s.unit === null ? 'Toàn bộ các đơn vị' : `Đơn vị: ${s.unit}`;
  const madeBy = `Lập bởi: ${report.generatedBy} — Helpdesk`;
  return {
    pageSize: 'A4',
    pageOrientation: 'portrait',
    pageMargins: [MARGIN, MARGIN, MARGIN, MARGIN_BOTTOM],
    language: 'vi-VN',
    info: {
      title: `Báo cáo hỗ trợ tài khoản từ ngày ${from} đến ngày ${to}`,
      subject: unit,
      author: report.generatedBy,
      creator: 'Helpdesk',
      producer: 'Helpdesk (pdfmake)',
      creationDate: new Date(report.generatedAt),
    },
    defaultStyle: { font: 'Roboto', fontSize: 11, lineHeight: 1.15 },
    styles: {
      title: { fontSize: 14, bold: true, alignment: 'center', margin: [0, 24, 0, 4] },
      subtitle: { italics: true, alignment: 'center' },
      h2: { fontSize: 12, bold: true, margin: [0, 14, 0, 6] },
      table: { fontSize: 10 },
      th: { bold: true, alignment: 'center', fillColor: '#e7e6e6' },
    },
    pageBreakBefore: (node, nodes) =>
      node.headlineLevel === 1 &&
      (nodes.getFollowingNodesOnPage().length === 0 ||
        (1 - node.startPosition.verticalRatio) * node.startPosition.pageInnerHeight < KEEP_WITH_HEADING),
    footer: (page, pages) => {
      onPageCount(pages);
      return {
        margin: [MARGIN, 0.8 * CM, MARGIN, 0],
        fontSize: 8,
        color: '#404040',
        columns: [{ text: madeBy }, { text: `Trang ${page}/${pages}`, alignment: 'right', width: 'auto' }],
      };
    },
    content: [
      header(report),
      { text: 'BÁO CÁO HỖ TRỢ TÀI KHOẢN', style: 'title' },
      { text: `Từ ngày ${from} đến ngày ${to}`, style: 'subtitle' },
      { text: unit, style: 'subtitle', margin: [0, 0, 0, 6] },
      heading('1. Tổng hợp'),
      totals(s),
      // The heading, the chart and its summary line: on one page.
      {
        unbreakable: true,
        stack: [heading('2. Số cuộc gọi theo ngày', false), chart(s.byDay), { text: daySummary(s.byDay), fontSize: 9, margin: [0, 8, 0, 6] }],
      },
      dayTable(s.byDay),
      heading('3. Theo thao tác'),
      actions(s.byAction),
      heading('4. Theo người thực hiện'),
      operators(s.byOperator),
    ],
  };
}

/**
 * Writes the monthly report to `path` (absolute, `.pdf`, in an existing folder): the whole file or, on any
 * failure, nothing (EXPORT_WRITE_FAILED; a wrong target is VALIDATION_FAILED before anything is made).
 */
export async function writeMonthlyReportPdf(report: MonthlyReport, path: string): Promise<{ path: string; pages: number; bytes: number }> {
  checkTarget(path, 'pdf');
  let pages = 0;
  const doc = monthlyReportDocument(report, (count) => (pages = count));
  const { pdfmake, fonts } = loadEngine();
  const allowed = new Set(Object.values(fonts));
  // The singleton is configured right before the (synchronous) createPdf reads it: fresh font paths each
  // time (pdfmake rewrites the dictionary it is given), no URL fetched, no local file but the fonts read.
  pdfmake.setFonts({ Roboto: { ...fonts } } satisfies TFontDictionary);
  pdfmake.setUrlAccessPolicy(() => false);
  pdfmake.setLocalAccessPolicy((file) => allowed.has(file));
  const bytes = await atomically(path, async (fd) => {
    writeFileSync(fd, await pdfmake.createPdf(doc).getBuffer());
  });
  return { path, pages, bytes };
}
