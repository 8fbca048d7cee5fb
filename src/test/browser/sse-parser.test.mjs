// Unit tests of the dashboard's SSE parser (node --test; run by DashboardScriptsTest).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseParser } from '../../main/resources/webroot/dashboard/js/sse.js';

const feedAll = (chunks) => {
  const parser = new SseParser();
  return chunks.flatMap((chunk) => parser.feed(chunk));
};

test('an event is dispatched at the blank line, with its type, data and id', () => {
  assert.deepEqual(feedAll(['id: 1\nevent: deployment\ndata: {"a":1}\n\n']),
    [{ event: 'deployment', data: '{"a":1}', id: '1' }]);
});

test('chunks may split lines anywhere, also between \\r and \\n', () => {
  const text = 'event: instance\r\ndata: {"id":"inst_1"}\r\n\r\nevent: deployment\r\ndata: {"x":2}\r\n\r\n';
  for (let cut = 1; cut < text.length; cut += 1) {
    const events = feedAll([text.slice(0, cut), text.slice(cut)]);
    assert.deepEqual(events.map((e) => [e.event, e.data]),
      [['instance', '{"id":"inst_1"}'], ['deployment', '{"x":2}']], `cut at ${cut}`);
  }
});

test('comments (keep-alive) produce nothing; an event with no data is not dispatched', () => {
  assert.deepEqual(feedAll([': keep-alive\n\n', 'event: deployment\n\n']), []);
});

test('several data lines join with newlines; no type means "message"; one leading space is dropped', () => {
  assert.deepEqual(feedAll(['data:one\ndata:  two\n\n']), [{ event: 'message', data: 'one\n two', id: null }]);
});

test('an incomplete event waits for the rest', () => {
  const parser = new SseParser();
  assert.deepEqual(parser.feed('event: deployment\ndata: {"s":"run'), []);
  assert.deepEqual(parser.feed('ning"}\n'), []);
  assert.deepEqual(parser.feed('\n').map((e) => e.data), ['{"s":"running"}']);
});

test('retry sets the reconnect delay when it is a number', () => {
  const parser = new SseParser();
  parser.feed('retry: 2500\n\nretry: soon\n\n');
  assert.equal(parser.retry, 2500);
});
