package io.ctrlplane.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The waits every scenario test leans on: a condition that can no longer come true fails at once,
 * not after the whole deadline; one that is merely not true yet is polled until the deadline.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Await")
class AwaitTest {

  @Test
  @DisplayName("gives up at once when the probe says its condition can never hold")
  void hopelessFailsFast() {
    long start = System.nanoTime();
    assertThatThrownBy(
            () ->
                Await.until(
                    Duration.ofSeconds(30),
                    "something",
                    () -> {
                      throw new Await.Hopeless("it ended otherwise");
                    }))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("gave up waiting for something: it ended otherwise");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  @DisplayName("keeps polling through ordinary assertion errors and reports the last one")
  void ordinaryErrorsMeanNotYet() {
    AtomicInteger calls = new AtomicInteger();
    assertThat(
            Await.until(
                Duration.ofSeconds(10),
                "the third call",
                () -> {
                  assertThat(calls.incrementAndGet()).isGreaterThanOrEqualTo(3);
                  return calls.get();
                }))
        .isEqualTo(3);
    assertThatThrownBy(
            () ->
                Await.until(
                    Duration.ofMillis(300),
                    "never",
                    () -> {
                      throw new AssertionError("not yet");
                    }))
        .hasMessageContaining("timed out after PT0.3S waiting for never")
        .hasMessageContaining("not yet");
  }

  @Test
  @DisplayName(
      "Deploys.awaitState fails at once, with the state it saw, when the deployment ended in "
          + "another terminal state")
  void wrongTerminalStateFailsFast(Vertx vertx) {
    HttpServer server =
        Await.result(
            vertx
                .createHttpServer()
                .requestHandler(
                    req ->
                        req.response()
                            .putHeader("Content-Type", "application/json")
                            .end(
                                new JsonObject()
                                    .put("id", "dep_x")
                                    .put("state", "failed")
                                    .put("error", "replica never ready")
                                    .encode()))
                .listen(0, "127.0.0.1"));
    try (ApiClient api = new ApiClient(vertx, server.actualPort())) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> new Deploys(api).awaitState("dep_x", "succeeded"))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("dep_x ended failed (error: replica never ready)");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    } finally {
      Await.result(server.close());
    }
  }

  @Test
  @DisplayName(
      "Deploys.awaitState keeps waiting on a succeeded deployment when rolled_back is wanted "
          + "(the one way out of a terminal state)")
  void succeededCanStillBeRolledBack(Vertx vertx) {
    AtomicInteger reads = new AtomicInteger();
    HttpServer server =
        Await.result(
            vertx
                .createHttpServer()
                .requestHandler(
                    req ->
                        req.response()
                            .putHeader("Content-Type", "application/json")
                            .end(
                                new JsonObject()
                                    .put("id", "dep_y")
                                    .put(
                                        "state",
                                        reads.incrementAndGet() < 3 ? "succeeded" : "rolled_back")
                                    .encode()))
                .listen(0, "127.0.0.1"));
    try (ApiClient api = new ApiClient(vertx, server.actualPort())) {
      assertThat(new Deploys(api).awaitState("dep_y", "rolled_back").getString("state"))
          .isEqualTo("rolled_back");
      assertThat(reads.get()).isGreaterThanOrEqualTo(3);
    } finally {
      Await.result(server.close());
    }
  }
}
