// Every strategy `cqt backtest` knows, by the name users type.
import type { Strategy } from '../strategy.js';
import { buyAndHold } from './buyAndHold.js';
import { smaCross } from './smaCross.js';
import { volumeZoneBreakout } from './volumeZoneBreakout.js';

export const strategies = {
  'volume-zone-breakout': volumeZoneBreakout,
  'buy-and-hold': buyAndHold,
  'sma-cross': smaCross,
} as const satisfies Record<string, Strategy<any>>;

export type StrategyName = keyof typeof strategies;
export const strategyNames = Object.keys(strategies) as StrategyName[];

export { buyAndHold, smaCross, volumeZoneBreakout };
