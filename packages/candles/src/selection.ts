// What the candle commands (backfill, gaps) accept as a venue, symbols and timeframes: checked
// once here so both name the same problem with the same hint.
import { UsageError } from '@cqt/config';
import { VENUE_TIMEFRAMES, isTimeframe, type Venue } from './timeframes.js';

export const SYMBOL_FORM: Record<Venue, { re: RegExp; example: string }> = {
  upbit: { re: /^[A-Z]+-[A-Z0-9]+$/, example: 'KRW-BTC' },
  binance: { re: /^[A-Z0-9]+$/, example: 'BTCUSDT' },
};

/** Comma lists and repeats → distinct trimmed items. */
export const splitList = (values: readonly string[] | undefined): string[] =>
  [...new Set((values ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean))];

export function checkVenue(venue: string | undefined): Venue {
  if (venue === undefined) throw new UsageError('missing --venue', 'give --venue upbit or --venue binance');
  if (venue !== 'upbit' && venue !== 'binance') throw new UsageError(`invalid --venue ${JSON.stringify(venue)}`, 'expected upbit or binance');
  return venue;
}

export function checkSymbols(venue: Venue, symbols: readonly string[]): void {
  const bad = symbols.filter((s) => !SYMBOL_FORM[venue].re.test(s));
  if (bad.length) throw new UsageError(`invalid --symbol ${bad.join(', ')} for ${venue}`, `${venue} symbols look like ${SYMBOL_FORM[venue].example}`);
}

/** Timeframes the venue serves (or, without a venue, either venue). */
export function checkTimeframes(venue: Venue | undefined, timeframes: readonly string[]): void {
  const venues: Venue[] = venue ? [venue] : ['upbit', 'binance'];
  const unknown = timeframes.filter((tf) => !venues.some((v) => isTimeframe(v, tf)));
  const choices = [...new Set(venues.flatMap((v) => VENUE_TIMEFRAMES[v]))];
  if (unknown.length) throw new UsageError(`invalid --timeframe ${unknown.join(', ')}${venue ? ` for ${venue}` : ''}`, `choose from ${choices.join(' ')}`);
}
