package io.ctrlplane.watch;

import io.ctrlplane.bus.Addresses;
import io.ctrlplane.bus.Caller;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.micrometer.backends.BackendRegistries;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The open watch streams of one HTTP verticle, and what makes them re-read. Every committed change
 * appends an outbox row and NOTIFYs {@link Addresses#PG_CHANNEL_OUTBOX} with the instance id, from
 * whichever process made it: one LISTEN connection per hub hears them all and re-reads the watches
 * of that instance. Re-reads of one instance never overlap: notifications that arrive during one
 * are folded into a single further round, so a burst costs at most two rounds of queries. NOTIFYs
 * can be lost (a reconnect) and ready counts change within a step without one, so watches of a
 * deployment in flight are also re-read every {@code pollMs}, and idle ones at every keep-alive.
 * All of it runs on the verticle's event loop.
 */
public final class WatchHub {
  /** Open watch streams of this JVM, for /metrics and the tests that check nothing leaks. */
  private static final AtomicInteger OPEN = new AtomicInteger();

  private final Vertx vertx;
  private final PgSubscriber subscriber;
  private final Function<Set<String>, Future<Set<String>>> revokedKeys;
  private final int keepaliveMs;
  private final int pollMs;
  private final Map<String, Set<Watch>> byInstance = new HashMap<>();
  private final Set<String> refreshing = new HashSet<>();
  private final Set<String> again = new HashSet<>();
  private long pollTimer = -1;
  private long keepaliveTimer = -1;

  /**
   * {@code revokedKeys}: which of these key ids are revoked now. A key is checked only when a
   * stream opens, so open streams are checked again at every keep-alive and those of a revoked key
   * end.
   */
  public WatchHub(
      Vertx vertx,
      PgConnectOptions connect,
      int keepaliveMs,
      int pollMs,
      Function<Set<String>, Future<Set<String>>> revokedKeys) {
    this.vertx = vertx;
    this.revokedKeys = revokedKeys;
    this.subscriber =
        PgSubscriber.subscriber(vertx, connect).reconnectPolicy(n -> n < 20 ? 500L : -1L);
    this.keepaliveMs = keepaliveMs;
    this.pollMs = pollMs;
  }

  /** Open watches in this JVM (every hub). */
  public static int open() {
    return OPEN.get();
  }

  /** LISTENs and starts the ticks; call on the verticle's context. */
  public Future<Void> start() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry != null) {
      Gauge.builder("ctrlplane.watch.open", OPEN, AtomicInteger::get)
          .description(
              "Open watch streams (GET /v1/deployments/{id}/watch, /v1/instances/{id}/watch)")
          .register(registry);
    }
    subscriber
        .channel(Addresses.PG_CHANNEL_OUTBOX)
        .handler(this::nudge)
        // after a reconnect: what was notified while disconnected is lost, so look again
        .subscribeHandler(v -> byInstance.keySet().forEach(this::nudge));
    pollTimer = vertx.setPeriodic(pollMs, id -> inFlightInstances().forEach(this::nudge));
    keepaliveTimer = vertx.setPeriodic(keepaliveMs, id -> keepAlive());
    return subscriber.connect();
  }

  /** Ends every stream (so the HTTP server can shut down) and stops listening. */
  public Future<Void> stop() {
    vertx.cancelTimer(pollTimer);
    vertx.cancelTimer(keepaliveTimer);
    allWatches().forEach(w -> w.stream().end());
    return subscriber.close();
  }

  /**
   * Opens {@code GET /v1/deployments/{id}/watch}; fails (before anything is written) when the
   * deployment does not exist for this caller.
   */
  public Future<Void> watchDeployment(HttpServerResponse response, Caller caller, String id) {
    StoreReads reads = new StoreReads(vertx, caller);
    return reads
        .deployment(id)
        .map(
            first -> {
              DeploymentWatch watch = new DeploymentWatch(SseStream.open(response), reads, first);
              register(watch);
              watch.show(first);
              return null;
            });
  }

  /**
   * Opens {@code GET /v1/instances/{id}/watch}; fails before anything is written for an unknown
   * instance.
   */
  public Future<Void> watchInstance(HttpServerResponse response, Caller caller, String id) {
    StoreReads reads = new StoreReads(vertx, caller);
    return reads
        .instance(id)
        .compose(
            first -> {
              InstanceWatch watch = new InstanceWatch(SseStream.open(response), reads, id);
              register(watch);
              return watch
                  .start(first)
                  .recover(
                      e -> {
                        watch.stream().end();
                        return Future.succeededFuture();
                      });
            });
  }

  private void register(Watch watch) {
    if (watch.stream().isClosed()) {
      return; // the client left during the first read
    }
    OPEN.incrementAndGet();
    byInstance.computeIfAbsent(watch.instanceId(), k -> new LinkedHashSet<>()).add(watch);
    watch.stream().onClose(() -> unregister(watch));
  }

  private void unregister(Watch watch) {
    Set<Watch> watches = byInstance.get(watch.instanceId());
    if (watches != null && watches.remove(watch)) {
      OPEN.decrementAndGet();
      if (watches.isEmpty()) {
        byInstance.remove(watch.instanceId());
      }
    }
  }

  /**
   * Re-reads the watches of {@code instanceId}, or, when a round is under way, once more after it.
   */
  private void nudge(String instanceId) {
    if (!byInstance.containsKey(instanceId)) {
      return;
    }
    if (!refreshing.add(instanceId)) {
      again.add(instanceId);
      return;
    }
    List<Future<Void>> rounds =
        new ArrayList<>(byInstance.get(instanceId)).stream().map(Watch::refresh).toList();
    Future.join(rounds)
        .onComplete(
            ar -> {
              refreshing.remove(instanceId);
              if (again.remove(instanceId)) {
                nudge(instanceId);
              }
            });
  }

  private List<String> inFlightInstances() {
    return byInstance.entrySet().stream()
        .filter(e -> e.getValue().stream().anyMatch(Watch::inFlight))
        .map(Map.Entry::getKey)
        .toList();
  }

  private void keepAlive() {
    allWatches().forEach(w -> w.stream().comment("keep-alive"));
    new ArrayList<>(byInstance.keySet()).forEach(this::nudge);
    endRevoked();
  }

  /**
   * Ends the streams opened with a key that has been revoked since (the client's reconnect gets a
   * 401).
   */
  private void endRevoked() {
    Set<String> keys = new HashSet<>();
    allWatches()
        .forEach(
            w -> {
              if (w.keyId() != null) {
                keys.add(w.keyId());
              }
            });
    if (keys.isEmpty()) {
      return;
    }
    revokedKeys
        .apply(keys)
        .onSuccess(
            revoked ->
                allWatches().stream()
                    .filter(w -> revoked.contains(w.keyId()))
                    .forEach(
                        w -> {
                          w.stream().comment("api key revoked");
                          w.stream().end();
                        }));
  }

  private List<Watch> allWatches() {
    return byInstance.values().stream().flatMap(Set::stream).toList();
  }
}
