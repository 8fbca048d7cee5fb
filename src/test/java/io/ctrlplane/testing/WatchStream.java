package io.ctrlplane.testing;

import io.ctrlplane.cli.SseParser;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A watch stream (Server-Sent Events) opened the way a client opens it, read on a thread of its own
 * so a test can wait for events, comments and the end of the stream, each with a deadline.
 */
public final class WatchStream implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final HttpResponse<InputStream> response;
  private final List<SseParser.Event> events = new CopyOnWriteArrayList<>();
  private final List<String> comments = new CopyOnWriteArrayList<>();
  private final Thread reader;
  private volatile boolean ended;
  private volatile String body;

  private WatchStream(HttpResponse<InputStream> response) {
    this.response = response;
    this.reader = new Thread(this::read, "watch-stream");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Opens {@code path} with {@code key} ({@link ApiClient#NO_KEY}: no Authorization); returns once
   * the head arrived.
   */
  public static WatchStream open(int port, String path, String key) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("accept", "text/event-stream")
            .GET();
    if (!key.isEmpty()) {
      request.header("Authorization", "Bearer " + key);
    }
    try {
      return new WatchStream(HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static WatchStream open(int port, String path) {
    return open(port, path, TestStack.BOOTSTRAP_KEY);
  }

  public int status() {
    return response.statusCode();
  }

  public String contentType() {
    return response.headers().firstValue("content-type").orElse(null);
  }

  /** The whole body of a response that is not a stream (an error), once it ended. */
  public JsonObject problem() {
    awaitEnd(Duration.ofSeconds(10));
    return new JsonObject(body);
  }

  public List<SseParser.Event> events() {
    return List.copyOf(events);
  }

  public List<String> comments() {
    return List.copyOf(comments);
  }

  public boolean ended() {
    return ended;
  }

  /** The first event (in order) that matches, waiting for it. */
  public SseParser.Event await(
      Duration timeout, String what, Predicate<SseParser.Event> condition) {
    return Await.until(
        timeout, what, () -> events.stream().filter(condition).findFirst().orElse(null));
  }

  public void awaitEnd(Duration timeout) {
    Await.until(timeout, "the end of the stream", () -> ended ? true : null);
  }

  private void read() {
    boolean stream = status() == 200;
    StringBuilder text = new StringBuilder();
    SseParser parser = new SseParser();
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (!stream) {
          text.append(line).append('\n');
          continue;
        }
        SseParser.Event event = parser.line(line);
        if (event != null && event.comment()) {
          comments.add(event.data());
        } else if (event != null) {
          events.add(event);
        }
      }
    } catch (IOException e) {
      // closed by the test, or the server went away: either way the stream is over
    } finally {
      body = text.toString();
      ended = true;
    }
  }

  /** Disconnects, as a client that goes away does. */
  @Override
  public void close() {
    try {
      response.body().close();
    } catch (IOException e) {
      // already closed
    }
  }
}
