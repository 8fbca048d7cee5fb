package io.ctrlplane.watch;

import io.vertx.core.http.HttpServerResponse;

/**
 * One {@code text/event-stream} response (Server-Sent Events): numbered events, comments, and one
 * close notification whether the server ends the stream or the client goes away.
 */
final class SseStream {
  private final HttpServerResponse response;
  private long nextId = 1;
  private boolean closed;
  private Runnable onClose = () -> {};

  private SseStream(HttpServerResponse response) {
    this.response = response;
  }

  /** Sends the headers now, so a client sees the stream open before the first change. */
  static SseStream open(HttpServerResponse response) {
    SseStream stream = new SseStream(response);
    response.closeHandler(v -> stream.closed());
    response.exceptionHandler(e -> stream.closed());
    response
        .setStatusCode(200)
        .setChunked(true)
        .putHeader("content-type", "text/event-stream; charset=utf-8")
        .putHeader("cache-control", "no-cache")
        .putHeader("x-accel-buffering", "no") // nginx: do not buffer the stream
        .writeHead();
    return stream;
  }

  void onClose(Runnable handler) {
    this.onClose = handler;
  }

  boolean isClosed() {
    return closed;
  }

  /** {@code data} is one line of JSON (JsonObject.encode never writes a newline). */
  void event(String type, String data) {
    write("id: " + nextId++ + "\nevent: " + type + "\ndata: " + data + "\n\n");
  }

  void comment(String text) {
    write(": " + text + "\n\n");
  }

  /** Ends the response (the client sees the end of the stream) and releases the watch. */
  void end() {
    if (!closed) {
      response.end();
      closed();
    }
  }

  private void write(String text) {
    if (!closed) {
      response.write(text);
    }
  }

  private void closed() {
    if (!closed) {
      closed = true;
      onClose.run();
    }
  }
}
