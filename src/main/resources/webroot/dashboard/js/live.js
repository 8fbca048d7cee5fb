// Keeps one instance and its latest deployment up to date: GET /v1/instances/{id}/watch (Server-Sent
// Events over fetch) when the server has it; polling when it answers 404/405 for the stream.
import { followStream } from './sse.js';

const POLL_MS = 1000;

export class InstanceLive {
  /** handlers: onInstance(instance), onDeployment(deployment), onMode(text), onUnauthorized(). */
  constructor(api, instanceId, handlers) {
    this.api = api;
    this.instanceId = instanceId;
    this.handlers = handlers;
    this.controller = new AbortController();
  }

  start() {
    const url = `/v1/instances/${encodeURIComponent(this.instanceId)}/watch`;
    followStream(url, this.api.key, {
      onOpen: () => this.handlers.onMode('live: stream'),
      onEvent: (event) => this.event(event),
      onError: () => this.handlers.onMode('stream interrupted, reconnecting…'),
      onRefused: (status) => this.refused(status),
    }, this.controller.signal);
  }

  stop() {
    this.controller.abort();
  }

  event({ event, data }) {
    let body;
    try {
      body = JSON.parse(data);
    } catch {
      return;
    }
    if (event === 'instance') {
      this.handlers.onInstance(body);
    } else if (event === 'deployment') {
      this.handlers.onDeployment(body);
    }
  }

  refused(status) {
    if (status === 401) {
      this.handlers.onUnauthorized();
    } else if (status === 404 || status === 405) {
      this.handlers.onMode(`live: polling every ${POLL_MS / 1000} s`);
      this.poll();
    } else {
      this.handlers.onMode(`live updates refused (${status})`);
    }
  }

  async poll() {
    const signal = this.controller.signal;
    while (!signal.aborted) {
      try {
        const [instance, deployments] = await Promise.all([
          this.api.get(`/v1/instances/${encodeURIComponent(this.instanceId)}`),
          this.api.get(`/v1/instances/${encodeURIComponent(this.instanceId)}/deployments?limit=1`),
        ]);
        if (signal.aborted) {
          return;
        }
        this.handlers.onInstance(instance);
        if (deployments.items.length > 0) {
          this.handlers.onDeployment(deployments.items[0]);
        }
      } catch (error) {
        if (error.status === 401) {
          this.handlers.onUnauthorized();
          return;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
