// The event feed: GET /v1/events?after=<cursor>, polled. The first load pages through the retained log
// and keeps the newest events; a 410 (events pruned past our cursor) starts again from the oldest kept.
import { $, clear, el, formatClock } from './dom.js';

const KEEP = 50;
const POLL_MS = 2000;
const MAX_CATCH_UP_PAGES = 20;

export class EventFeed {
  /** onEvent(cloudEvent) for each new event after the first load (to refresh what it concerns). */
  constructor(api, onEvent, onUnauthorized) {
    this.api = api;
    this.onEvent = onEvent;
    this.onUnauthorized = onUnauthorized;
    this.cursor = 0;
    this.items = [];
    this.timer = null;
    this.stopped = false;
  }

  async start() {
    await this.poll(true);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  async poll(first = false) {
    try {
      for (let page = 0; page < MAX_CATCH_UP_PAGES && !this.stopped; page += 1) {
        const result = await this.api.get(`/v1/events?after=${this.cursor}&limit=1000`);
        this.cursor = result.next_cursor;
        this.add(result.items, !first);
        if (!result.has_more) {
          break;
        }
      }
    } catch (error) {
      if (error.status === 401) {
        this.onUnauthorized();
        return;
      }
      if (error.status === 410) {
        this.cursor = 0;
      }
    }
    if (!this.stopped) {
      this.timer = setTimeout(() => this.poll(), POLL_MS);
    }
  }

  add(items, notify) {
    if (items.length === 0) {
      return;
    }
    this.items = this.items.concat(items).slice(-KEEP);
    this.render();
    if (notify) {
      items.forEach((item) => this.onEvent(item.event));
    }
  }

  /** The CloudEvents kept, oldest first. */
  events() {
    return this.items.map((item) => item.event);
  }

  render() {
    const list = clear($('event-feed'));
    for (const { seq, event } of [...this.items].reverse()) {
      const data = event.data || {};
      list.append(el('li', { class: `event type-${event.type.replace('.', '-')}`, dataset: { seq } },
        el('time', { datetime: event.time }, formatClock(event.time)),
        el('span', { class: 'event-type' }, event.type),
        el('span', { class: 'event-what' },
          `${data.instance_name || ''} v${data.version ?? '?'}${data.kind === 'rollback' ? ' (rollback)' : ''}`
          + (data.progress?.step ? ` · step ${data.progress.step}/${data.progress.steps ?? data.progress.total_steps ?? '?'}` : '')
          + (data.error ? ` · ${data.error}` : ''))));
    }
  }
}
