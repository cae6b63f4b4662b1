// A Server-Sent Events reader for the tests: events and comments as they arrive over a real HTTP
// stream, and a wait for the first one that matches.
export interface SseMessage {
  event: string;
  data: any;
}

export interface SseStream {
  messages: SseMessage[];
  comments: string[];
  status: number;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  next(predicate: (m: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  close(): void;
}

export async function openEvents(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  // Each message is returned by next() once; an earlier unmatched one stays available.
  const taken = new Set<number>();
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((w) => w());
  const ended = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) messages.push({ event, data: JSON.parse(data.join('\n')) });
          wake();
        }
      }
    } catch {
      // aborted by close()
    }
    wake();
  })();
  let done = false;
  void ended.then(() => (done = true));
  return {
    messages,
    comments,
    status: response.status,
    ended,
    async next(predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.findIndex((m, i) => !taken.has(i) && predicate(m));
        if (found >= 0) {
          taken.add(found);
          return messages[found];
        }
        if (done) throw new Error(`stream ended; events so far: ${messages.map((m) => `${m.event} ${m.data.key ?? ''}`).join(', ')}`);
        if (Date.now() > deadline) throw new Error(`no matching event in ${timeoutMs} ms; events so far: ${messages.map((m) => `${m.event} ${m.data.key ?? ''}`).join(', ')}`);
        await new Promise<void>((resolve) => {
          const w = () => (waiters.delete(w), resolve());
          waiters.add(w);
          setTimeout(w, 200);
        });
      }
    },
    close: () => abort.abort(),
  };
}
