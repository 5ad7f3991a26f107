/** One figure of a row of cards (FigureCards): a label, the number, an optional note. */
export interface Figure {
  key: string;
  label: string;
  value: string;
  note?: string;
  /** Draws the eye to what needs doing (missing contacts, locks, errors). */
  tone?: 'warning' | 'danger';
}
