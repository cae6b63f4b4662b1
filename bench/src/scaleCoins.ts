/** n synthetic coin names (C00, C01, …): one Upbit KRW market and one Binance USDT symbol each. */
export const coinsOf = (n: number): string[] => Array.from({ length: n }, (_, i) => `C${String(i).padStart(2, '0')}`);
