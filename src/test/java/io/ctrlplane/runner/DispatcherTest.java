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

  @Test
  @DisplayName(
      "three tenants of 30, 6 and 1 due moves: each round of turns starts one move of every tenant with moves left")
  void fairUnderLoad() {
    for (int i = 0; i < 30; i++) {
      submit("big", "big-" + i);
    }
    for (int i = 0; i < 6; i++) {
      submit("mid", "mid-" + i);
    }
    submit("one", "one-0");
    while (!running.isEmpty()) {
      finishOldest();
    }
    assertThat(started).hasSize(37);
    // big-0 started alone (nothing else was due yet); then one move of each tenant per round: the
    // smallest tenant's move is fourth, not 37th
    assertThat(started.subList(0, 4)).containsExactly("big-0", "big-1", "mid-0", "one-0");
    // the middle tenant's last move starts by the 6th round of turns, not after the big tenant's 30
    assertThat(started.indexOf("mid-5")).isLessThan(3 * 6 + 1);
    // first come, first served within a tenant
    assertThat(started.stream().filter(s -> s.startsWith("big-")).toList())
        .containsExactlyElementsOf(
            java.util.stream.IntStream.range(0, 30).mapToObj(i -> "big-" + i).toList());
  }
}
