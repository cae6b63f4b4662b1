// A loopback WebSocket server sending Upbit-shaped DEFAULT frames (binary) at a fixed rate, in
// its own process so the bench measures only the collector's CPU. Prints its URL, then serves.
import { WebSocketServer } from 'ws';

const framesPerSec = Number(process.argv[2] ?? 300);
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
wss.on('listening', () => {
  const { port } = wss.address() as { port: number };
  process.stdout.write(`ws://127.0.0.1:${port}/websocket/v1\n`);
});
wss.on('connection', (ws) => {
  let i = 0;
  const timer = setInterval(() => {
    // 10 ms ticks; every 21st frame is a book.
    for (let k = 0; k < framesPerSec / 100; k++, i++) {
      const ts = Date.now();
      const text =
        i % 21 === 20
          ? `{"type":"orderbook","code":"KRW-BTC","timestamp":${ts},"total_ask_size":1.5,"total_bid_size":2.5,"orderbook_units":[{"ask_price":${100001000 + (i % 7) * 1000},"bid_price":${100000000 + (i % 7) * 1000},"ask_size":0.5,"bid_size":0.7}],"stream_type":"REALTIME","level":0}`
          : `{"type":"trade","code":"KRW-BTC","timestamp":${ts},"trade_date":"2026-11-23","trade_time":"10:00:00","trade_timestamp":${ts},"trade_price":${100000000 + (i % 13) * 1000}.0,"trade_volume":0.0012,"ask_bid":"${i % 2 ? 'ASK' : 'BID'}","prev_closing_price":99000000.0,"change":"RISE","change_price":1000000.0,"sequential_id":${BigInt(ts) * 10000n + BigInt(i % 10000)},"stream_type":"REALTIME"}`;
      ws.send(Buffer.from(text), { binary: true });
    }
  }, 10);
  ws.on('close', () => clearInterval(timer));
});
