package io.ctrlplane.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The dispatcher bounds moves in flight and serves tenants in turn")
class DispatcherTest {
  private final List<String> started = new ArrayList<>();
  private final List<Promise<Void>> running = new ArrayList<>();
  private final Dispatcher dispatcher = new Dispatcher(1, new DispatchStats());

  private void submit(String tenant, String name) {
    dispatcher.submit(
        tenant,
        System.nanoTime(),
        () -> {
          started.add(name);
          Promise<Void> p = Promise.promise();
          running.add(p);
          return p.future();
        });
  }

  private void finishOldest() {
    running.remove(0).complete();
  }

  @Test
  @DisplayName("with one move in flight, a second waits until the first completes")
  void limit() {
    submit("acme", "a1");
    submit("acme", "a2");
    assertThat(started).containsExactly("a1");
    assertThat(dispatcher.inFlight()).isEqualTo(1);
    assertThat(dispatcher.queued()).isEqualTo(1);
    finishOldest();
    assertThat(started).containsExactly("a1", "a2");
  }

  @Test
  @DisplayName(
      "a tenant with many due deployments delays another tenant's by one move, not by all of them")
  void roundRobin() {
    submit("acme", "a1");
    submit("acme", "a2");
    submit("acme", "a3");
    submit("acme", "a4");
    submit("globex", "g1");
    submit("globex", "g2");
    while (!running.isEmpty()) {
      finishOldest();
    }
    assertThat(started).containsExactly("a1", "a2", "g1", "a3", "g2", "a4");
  }

  @Test
  @DisplayName("a move that fails, or throws, frees its place all the same")
  void failures() {
    dispatcher.submit("acme", System.nanoTime(), () -> Future.failedFuture("provider down"));
    dispatcher.submit(
        "acme",
        System.nanoTime(),
        () -> {
          throw new IllegalStateException("bug");
        });
    submit("acme", "a1");
    assertThat(started).containsExactly("a1");
    assertThat(dispatcher.queued()).isZero();
  }
}
