package io.ctrlplane.testing;

import io.ctrlplane.app.Server;
import io.ctrlplane.config.AppConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What {@link CtrlPlaneServer} set up for one test class: its settings, the in-process server (if
 * any roles), the one API client and the one DB helper. Special setups (a second server, other
 * roles, a private broker) start through it, so they are closed with the class too.
 */
public final class CtrlPlane {
  private final JsonObject json;
  private final AppConfig config;
  private final Vertx vertx;
  private final Deque<AutoCloseable> closing = new ArrayDeque<>();
  private Server server;
  private boolean stopped;
  private ApiClient api;
  private Sql sql;

  CtrlPlane(JsonObject json) {
    this.json = json;
    this.config = AppConfig.from(json);
    this.vertx = Vertx.vertx();
    closing.push(() -> Await.result(vertx.close()));
  }

  void start(String roles) {
    sql = closeLater(new Sql(vertx, config));
    if (!roles.isEmpty()) {
      server = Await.result(Server.start(config), Duration.ofSeconds(60));
      closing.push(this::stop);
    }
    api = closeLater(new ApiClient(vertx, config.http().port()));
  }

  /** The class's settings (database, topic, HTTP port, overrides). */
  public AppConfig config() {
    return config;
  }

  /** A copy of the class's settings as JSON, to derive the settings of a special setup. */
  public JsonObject json() {
    return json.copy();
  }

  /** The in-process server of the annotated roles; null when the annotation names none. */
  public Server server() {
    return server;
  }

  /** The client side Vert.x of the class (the API client and the DB helper run on it). */
  public Vertx vertx() {
    return vertx;
  }

  public ApiClient api() {
    return api;
  }

  public Sql sql() {
    return sql;
  }

  public String kafkaBootstrap() {
    return TestStack.get().kafkaBootstrap();
  }

  /**
   * Stops the in-process server now, e.g. to wait for what its agent leaves behind; the client and
   * the DB helper stay open. Stopping twice is harmless.
   */
  public synchronized void stop() {
    if (server != null && !stopped) {
      stopped = true;
      server.stopBlocking();
    }
  }

  /** Another in-process server on the class's database (e.g. a second relay); stopped with it. */
  public Server startServer(AppConfig settings) {
    Server started = Await.result(Server.start(settings), Duration.ofSeconds(60));
    closing.push(started::stopBlocking);
    return started;
  }

  /** Another API client, e.g. on the port of a server started here; closed with the class. */
  public ApiClient client(int port) {
    return closeLater(new ApiClient(vertx, port));
  }

  /** Closes {@code resource} after the class, before what was opened earlier. */
  public <T extends AutoCloseable> T closeLater(T resource) {
    closing.push(resource);
    return resource;
  }

  void close() {
    Throwable first = null;
    while (!closing.isEmpty()) {
      try {
        closing.pop().close();
      } catch (Exception | AssertionError e) {
        if (first == null) {
          first = e;
        }
      }
    }
    if (first != null) {
      throw new IllegalStateException("closing the test server: " + first, first);
    }
  }
}
