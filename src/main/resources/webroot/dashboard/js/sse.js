// Server-Sent Events over fetch(): EventSource cannot send an Authorization header, so the stream is read
// with a ReadableStream reader and parsed here (the text/event-stream format of the HTML standard).

/** Turns chunks of an event stream into events ({event, data, id}); keeps partial lines between chunks. */
export class SseParser {
  constructor() {
    this.buffer = '';
    this.reset();
    this.retry = null;
  }

  reset() {
    this.eventType = '';
    this.dataLines = [];
    this.lastId = null;
  }

  /** Feeds decoded text; returns the events it completed, in order. */
  feed(text) {
    this.buffer += text;
    const events = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) {
        break;
      }
      // a lone \r at the very end may be the first half of \r\n: wait for the next chunk
      if (match[0] === '\r' && match.index === this.buffer.length - 1) {
        break;
      }
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = this.line(line);
      if (event) {
        events.push(event);
      }
    }
    return events;
  }

  line(line) {
    if (line === '') {
      return this.dispatch();
    }
    if (line.startsWith(':')) {
      return null; // a comment, e.g. ": keep-alive"
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'event') {
      this.eventType = value;
    } else if (field === 'data') {
      this.dataLines.push(value);
    } else if (field === 'id' && !value.includes('\0')) {
      this.lastId = value;
    } else if (field === 'retry' && /^\d+$/.test(value)) {
      this.retry = Number(value);
    }
    return null;
  }

  dispatch() {
    const event = this.dataLines.length === 0 ? null
      : { event: this.eventType || 'message', data: this.dataLines.join('\n'), id: this.lastId };
    this.eventType = '';
    this.dataLines = [];
    return event;
  }
}

/**
 * Follows an event stream until {@code signal} aborts: reconnects (1 s, doubling to 15 s) when the
 * connection drops or the server ends the stream, unless {@code shouldReconnect()} says no.
 * handlers: onEvent({event, data}), onOpen(), onError(error, willRetry), onRefused(status, problem):
 * a 4xx answer (401, 403, 404: no such resource, or no watch endpoint on this server) ends it.
 */
export async function followStream(url, key, handlers, signal, shouldReconnect = () => true) {
  let delay = 1000;
  while (!signal.aborted) {
    const parser = new SseParser();
    try {
      const response = await fetch(url, {
        headers: { Authorization: `Bearer ${key}`, Accept: 'text/event-stream' },
        cache: 'no-store',
        signal,
      });
      if (response.status >= 400 && response.status < 500) {
        const problem = await response.json().catch(() => null);
        handlers.onRefused?.(response.status, problem);
        return;
      }
      if (!response.ok || !response.body) {
        throw new Error(`HTTP ${response.status}`);
      }
      handlers.onOpen?.();
      delay = 1000;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          break;
        }
        for (const event of parser.feed(value)) {
          handlers.onEvent(event);
        }
      }
      if (!shouldReconnect()) {
        return;
      }
    } catch (error) {
      if (signal.aborted) {
        return;
      }
      handlers.onError?.(error, true);
    }
    await sleep(parser.retry ?? delay, signal);
    delay = Math.min(delay * 2, 15000);
  }
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
