package io.ctrlplane.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * Open-loop HTTP load at a fixed arrival rate. Request i is due at {@code start + i / rate}; it is
 * sent when due whatever happened to earlier requests, and its latency is counted from that due
 * time, not from when it actually left. A slow server therefore shows up as latency (requests wait
 * for a free connection in the client's queue, and that wait is counted) instead of as a lower send
 * rate: no coordinated omission. A 1 ms timer sends every request that has fallen due, so the
 * timer's own jitter is counted against the server too (the bare-route baseline shows that floor).
 */
final class OpenLoop {
  static final long REQUEST_TIMEOUT_MS = 10_000;

  /** What to send: method, one of the paths (uniformly random), and an optional body. */
  record Target(HttpMethod method, List<String> paths, Buffer body) {
    String pick(SplittableRandom random) {
      return paths.size() == 1 ? paths.get(0) : paths.get(random.nextInt(paths.size()));
    }
  }

  /** One finished request, as the hook sees it. */
  record Outcome(
      int status,
      Buffer body,
      Throwable failure,
      long dueNanos,
      long doneNanos,
      boolean measured) {}

  /**
   * What one run measured: latency of requests due in the measured window, and what happened to
   * them.
   */
  static final class Run {
    final Histogram latency = Result.histogram();
    final TreeMap<String, Long> outcomes = new TreeMap<>();
    long due; // requests due in the measured window
    long ok; // of those, 2xx
    long errors; // of those, non-2xx, failed or timed out
    long lastDoneNanos; // when the last request due in the measured window ended
    long measureStartNanos;
    long endNanos;
    double rate;
    double durationS;
    String firstError;
    volatile CpuMeter.Usage cpu;
    final java.util.concurrent.CountDownLatch metered = new java.util.concurrent.CountDownLatch(1);

    CpuMeter.Usage cpu() {
      try {
        metered.await(5, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return cpu;
    }

    /**
     * 2xx responses to the requests due in the measured window, per second of the window or of
     * however long the server took to answer them all: a server that falls behind shows a lower
     * throughput.
     */
    double throughput() {
      double secs = (Math.max(endNanos, lastDoneNanos) - measureStartNanos) / 1e9;
      return ok / secs;
    }

    Result toResult(String id, String what, String load) {
      Result r =
          new Result(id, what)
              .load(load)
              .offered(rate)
              .throughput(throughput(), "req/s")
              .latency(latency)
              .errors(errors);
      if (cpu() != null) {
        cpu.addTo(r, ok);
      }
      if (firstError != null) {
        r.note("first error: " + firstError);
      }
      return r;
    }
  }

  private OpenLoop() {}

  /**
   * The API key bench/run.sh hands over in the environment (the bare baseline server ignores it).
   */
  private static final String API_KEY = System.getenv("BENCH_API_KEY");

  /** Adds {@code Authorization: Bearer $BENCH_API_KEY} when set: every /v1 route needs a key. */
  static RequestOptions authorized(RequestOptions options) {
    return API_KEY == null || API_KEY.isBlank()
        ? options
        : options.putHeader("Authorization", "Bearer " + API_KEY);
  }

  static HttpClientAgent client(Vertx vertx, String host, int port, int connections) {
    return vertx
        .httpClientBuilder()
        .with(
            new HttpClientOptions()
                .setDefaultHost(host)
                .setDefaultPort(port)
                .setKeepAlive(true)
                .setTcpNoDelay(true)
                .setConnectTimeout(5_000))
        .with(new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1))
        .build();
  }

  /**
   * Runs warmup then the measured window on {@code context}; completes when every request has
   * ended.
   */
  static Future<Run> run(
      Context context,
      HttpClientAgent client,
      Target target,
      double rate,
      double warmupS,
      double durationS,
      long seed,
      Consumer<Outcome> hook) {
    Promise<Run> promise = Promise.promise();
    context.runOnContext(
        v ->
            new Driver(
                    context.owner(), client, target, rate, warmupS, durationS, seed, hook, promise)
                .start());
    return promise.future();
  }

  /**
   * Closed-loop warm-up (not measured): {@code concurrency} requests in flight for {@code seconds},
   * so the JIT has compiled the server's hot paths before a measured run. Returns the requests
   * done.
   */
  static Future<Long> warm(
      Context context, HttpClientAgent client, Target target, int concurrency, double seconds) {
    Promise<Long> promise = Promise.promise();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long[] state = {0, 0}; // done, in flight
    SplittableRandom random = new SplittableRandom(1);
    context.runOnContext(
        v -> {
          Runnable[] next = new Runnable[1];
          next[0] =
              () -> {
                if (System.nanoTime() >= end) {
                  if (state[1] == 0) {
                    promise.tryComplete(state[0]);
                  }
                  return;
                }
                state[1]++;
                RequestOptions options =
                    authorized(
                        new RequestOptions()
                            .setMethod(target.method())
                            .setURI(target.pick(random))
                            .setIdleTimeout(REQUEST_TIMEOUT_MS));
                if (target.body() != null) {
                  options.putHeader("content-type", "application/json");
                }
                client
                    .request(options)
                    .compose(req -> target.body() == null ? req.send() : req.send(target.body()))
                    .compose(resp -> resp.body())
                    .onComplete(
                        ar -> {
                          state[0]++;
                          state[1]--;
                          next[0].run();
                        });
              };
          for (int i = 0; i < concurrency; i++) {
            next[0].run();
          }
        });
    return promise.future();
  }

  /**
   * Meters CPU over [from, to] (nanoTime) on its own thread: reading /proc must not stall the event
   * loop.
   */
  static void meter(Run run, long from, long to) {
    Thread t =
        new Thread(
            () -> {
              try {
                sleepUntil(from);
                CpuMeter meter = new CpuMeter();
                meter.start();
                sleepUntil(to);
                run.cpu = meter.stop();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                run.metered.countDown();
              }
            },
            "bench-cpu-meter");
    t.setDaemon(true);
    t.start();
  }

  static void sleepUntil(long nanos) throws InterruptedException {
    long wait;
    while ((wait = nanos - System.nanoTime()) > 0) {
      Thread.sleep(Math.max(1, wait / 1_000_000));
    }
  }

  private static final class Driver {
    private final Vertx vertx;
    private final HttpClientAgent client;
    private final Target target;
    private final double intervalNanos;
    private final Consumer<Outcome> hook;
    private final Promise<Run> promise;
    private final SplittableRandom random;
    private final Run run = new Run();
    private final long measureStart;
    private final long end;
    private final long start;
    private double next;
    private long outstanding;
    private long timer;
    private boolean sending = true;

    Driver(
        Vertx vertx,
        HttpClientAgent client,
        Target target,
        double rate,
        double warmupS,
        double durationS,
        long seed,
        Consumer<Outcome> hook,
        Promise<Run> promise) {
      this.vertx = vertx;
      this.client = client;
      this.target = target;
      this.intervalNanos = 1e9 / rate;
      this.hook = hook;
      this.promise = promise;
      this.random = new SplittableRandom(seed);
      this.start = System.nanoTime() + 20_000_000L;
      this.measureStart = start + (long) (warmupS * 1e9);
      this.end = measureStart + (long) (durationS * 1e9);
      this.next = start;
      run.rate = rate;
      run.durationS = durationS;
      run.measureStartNanos = measureStart;
      run.endNanos = end;
    }

    void start() {
      timer = vertx.setPeriodic(1, id -> tick());
      meter(run, measureStart, end);
    }

    private void tick() {
      long now = System.nanoTime();
      while (sending && (long) next <= now) {
        if ((long) next >= end) {
          sending = false;
          vertx.cancelTimer(timer);
          maybeDone();
          return;
        }
        send((long) next);
        next += intervalNanos;
      }
    }

    private void send(long due) {
      boolean measured = due >= measureStart;
      if (measured) {
        run.due++;
      }
      outstanding++;
      RequestOptions options =
          authorized(
              new RequestOptions()
                  .setMethod(target.method())
                  .setURI(target.pick(random))
                  .setIdleTimeout(REQUEST_TIMEOUT_MS));
      if (target.body() != null) {
        options.putHeader("content-type", "application/json");
      }
      client
          .request(options)
          .compose(req -> target.body() == null ? req.send() : req.send(target.body()))
          .compose(
              resp ->
                  resp.body()
                      .map(body -> new Outcome(resp.statusCode(), body, null, due, 0, measured)))
          .onComplete(
              ar -> {
                long done = System.nanoTime();
                Outcome o =
                    ar.succeeded()
                        ? new Outcome(
                            ar.result().status(), ar.result().body(), null, due, done, measured)
                        : new Outcome(0, null, ar.cause(), due, done, measured);
                record(o);
                if (hook != null) {
                  hook.accept(o);
                }
                outstanding--;
                maybeDone();
              });
    }

    private void record(Outcome o) {
      boolean ok = o.failure() == null && o.status() >= 200 && o.status() < 300;
      if (!o.measured()) {
        return;
      }
      run.lastDoneNanos = Math.max(run.lastDoneNanos, o.doneNanos());
      String key =
          o.failure() != null ? o.failure().getClass().getSimpleName() : String.valueOf(o.status());
      run.outcomes.merge(key, 1L, Long::sum);
      Result.record(run.latency, (o.doneNanos() - o.dueNanos()) / 1000);
      if (ok) {
        run.ok++;
      } else {
        run.errors++;
        if (run.firstError == null) {
          run.firstError =
              o.failure() != null
                  ? String.valueOf(o.failure())
                  : "HTTP "
                      + o.status()
                      + " "
                      + (o.body() == null ? "" : o.body().toString().replaceAll("\\s+", " "));
          if (run.firstError.length() > 200) {
            run.firstError = run.firstError.substring(0, 200);
          }
        }
      }
    }

    private void maybeDone() {
      if (!sending && outstanding == 0) {
        promise.tryComplete(run);
      }
    }
  }
}
