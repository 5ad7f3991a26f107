/** The monthly report's page geometry, number format and its chart of calls per day (vector shapes, pdfmake). */
import type { CanvasElement, Content } from 'pdfmake/interfaces';
import type { AuditStats } from '../../common/dto';

/** 1 cm in PDF points. */
export const CM = 72 / 2.54;

export const A4_WIDTH = 595.28;

export const MARGIN = 2 * CM;

export const CONTENT_WIDTH = A4_WIDTH - 2 * MARGIN;

export const number = new Intl.NumberFormat('vi-VN');

export const n = (value: number): string => number.format(value);

/** A step of 1, 2 or 5 × 10^k giving at most 5 intervals up to `max` (at least 1: calls are whole). */
export function yScale(max: number): { top: number; step: number } {
  if (max <= 0) return { top: 4, step: 1 };
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(1, [1, 2, 5, 10].map((f) => f * magnitude).find((s) => s >= rough) ?? 10 * magnitude);
  return { top: Math.ceil(max / step) * step, step };
}

/** Width of a label in Roboto at `size`: digits are 0.56 em; 0.6 leaves a margin. */
export const labelWidth = (text: string, size: number): number => text.length * size * 0.6;

/**
 * The calls per day as a bar chart of vector shapes: y axis with its ticks and grid, one bar per day, the
 * day labels thinned so they never overlap, the counts above the bars when there is room. The labels are
 * placed relative to the chart's top left corner (detached blocks), the canvas after them takes the space.
 * Its caller keeps it on one page.
 */
export function chart(byDay: AuditStats['byDay']): Content {
  const gutter = 30;
  const plotWidth = CONTENT_WIDTH - gutter - 6;
  const plotHeight = 150;
  const labelRoom = 16;
  const small = 7;
  const days = byDay.length;
  const max = byDay.reduce((m, d) => Math.max(m, d.cases), 0);
  const { top, step } = yScale(max);
  const slot = days > 0 ? plotWidth / days : plotWidth;
  const y = (value: number) => plotHeight - (value / top) * plotHeight;
  const oneMonth = days > 0 && byDay[0]!.day.slice(0, 7) === byDay[days - 1]!.day.slice(0, 7);
  const dayLabel = (day: string) => (oneMonth ? String(Number(day.slice(8, 10))) : `${day.slice(8, 10)}/${day.slice(5, 7)}`);
  const widest = byDay.reduce((w, d) => Math.max(w, labelWidth(dayLabel(d.day), small)), 0);
  const every = Math.max(1, Math.ceil((widest + 3) / slot));
  const valuesFit = byDay.every((d) => labelWidth(n(d.cases), 6) + 1 <= slot);

  const shapes: CanvasElement[] = [];
  const labels: Content[] = [];
  const at = (x: number, yy: number, width: number, text: string, alignment: 'left' | 'center' | 'right', size = small): Content => ({
    relativePosition: { x, y: yy },
    columns: [{ width, text, alignment, fontSize: size, lineHeight: 1 }],
  });
  for (let v = 0; v <= top; v += step) {
    if (v > 0) shapes.push({ type: 'line', x1: gutter, y1: y(v), x2: gutter + plotWidth, y2: y(v), lineWidth: 0.4, lineColor: '#bfbfbf', dash: { length: 2 } });
    shapes.push({ type: 'line', x1: gutter - 3, y1: y(v), x2: gutter, y2: y(v), lineWidth: 0.6 });
    labels.push(at(0, y(v) - small / 2, gutter - 5, n(v), 'right'));
  }
  byDay.forEach((d, i) => {
    const barWidth = Math.max(1, slot * 0.7);
    const x = gutter + i * slot + (slot - barWidth) / 2;
    if (d.cases > 0) shapes.push({ type: 'rect', x, y: y(d.cases), w: barWidth, h: plotHeight - y(d.cases), color: '#2f5597' });
    const centre = gutter + (i + 0.5) * slot;
    if (valuesFit && d.cases > 0) labels.push(at(centre - slot / 2, y(d.cases) - 8, slot, n(d.cases), 'center', 6));
    if (i % every === 0) {
      shapes.push({ type: 'line', x1: centre, y1: plotHeight, x2: centre, y2: plotHeight + 2.5, lineWidth: 0.6 });
      const w = widest + 4;
      labels.push(at(centre - w / 2, plotHeight + 4, w, dayLabel(d.day), 'center'));
    }
  });
  shapes.push(
    { type: 'line', x1: gutter, y1: 0, x2: gutter, y2: plotHeight, lineWidth: 0.8 },
    { type: 'line', x1: gutter, y1: plotHeight, x2: gutter + plotWidth, y2: plotHeight, lineWidth: 0.8 },
    // Invisible: makes the canvas as tall as the chart with its day labels, so what follows clears them.
    { type: 'line', x1: gutter, y1: plotHeight + labelRoom, x2: gutter + 1, y2: plotHeight + labelRoom, strokeOpacity: 0 },
  );
  return { stack: [{ text: 'Số cuộc gọi', fontSize: small, italics: true, margin: [0, 0, 0, 4] }, ...labels, { canvas: shapes }] };
}
