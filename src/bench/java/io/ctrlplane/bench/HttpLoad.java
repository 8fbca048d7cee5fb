package io.ctrlplane.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code http}: one fixed-rate run against one endpoint. {@code ramp}: fixed-rate steps at
 * increasing rates until a step misses (p99 above the limit, any error, or throughput under 95 % of
 * the offered rate); the highest step that held is the result.
 */
final class HttpLoad {
  private HttpLoad() {}

  static OpenLoop.Target target(Args args) throws Exception {
    List<String> paths = new ArrayList<>();
    if (args.str("paths-file", null) != null) {
      for (String line : Files.readAllLines(Path.of(args.str("paths-file")))) {
        if (!line.isBlank()) {
          paths.add(line.trim());
        }
      }
    } else {
      paths.add(args.str("path"));
    }
    if (paths.isEmpty()) {
      throw new IllegalArgumentException("no paths");
    }
    String body = args.str("body", null);
    return new OpenLoop.Target(
        HttpMethod.valueOf(args.str("method", "GET")),
        paths,
        body == null ? null : Buffer.buffer(body));
  }

  static int single(Args args) throws Exception {
    URI base = URI.create(args.str("url"));
    OpenLoop.Target target = target(args);
    double rate = args.dbl("rate", 500);
    double warmup = args.dbl("warmup", 10);
    double duration = args.dbl("duration", 30);
    Vertx vertx = Vertx.vertx();
    try {
      HttpClientAgent client =
          OpenLoop.client(vertx, base.getHost(), base.getPort(), args.integer("connections", 64));
      prewarm(vertx, client, target, args);
      // on a shared machine: a run during which other processes used more than --noise-limit cores
      // is
      // repeated (up to --attempts runs in all) and the quietest run is kept; the others are noted
      int attempts = args.integer("attempts", 1);
      double noiseLimit = args.dbl("noise-limit", 0.25);
      OpenLoop.Run run = null;
      List<String> noisier = new ArrayList<>();
      for (int attempt = 1; attempt <= attempts; attempt++) {
        OpenLoop.Run a =
            OpenLoop.run(
                    vertx.getOrCreateContext(),
                    client,
                    target,
                    rate,
                    warmup,
                    duration,
                    42 + attempt,
                    null)
                .toCompletionStage()
                .toCompletableFuture()
                .get();
        double other = a.cpu() == null ? 0 : a.cpu().otherCores();
        if (run == null || other < run.cpu().otherCores()) {
          if (run != null) {
            noisier.add(
                String.format(
                    Locale.ROOT,
                    "p99 %s ms with others at %.2f cores",
                    Result.ms(run.latency.getValueAtPercentile(99) / 1000.0),
                    run.cpu().otherCores()));
          }
          run = a;
        } else {
          noisier.add(
              String.format(
                  Locale.ROOT,
                  "p99 %s ms with others at %.2f cores",
                  Result.ms(a.latency.getValueAtPercentile(99) / 1000.0),
                  other));
        }
        if (a.cpu() == null || other <= noiseLimit) {
          break;
        }
      }
      Result r =
          run.toResult(
              args.str("id"),
              args.str("what"),
              String.format(
                  Locale.ROOT,
                  "%s %s at %.0f req/s, %.0f s (+%.0f s warmup)",
                  target.method(),
                  describe(target),
                  rate,
                  duration,
                  warmup));
      if (run.errors > 0) {
        r.note("outcomes " + run.outcomes);
      }
      if (!noisier.isEmpty()) {
        r.note(
            "quietest of "
                + (noisier.size() + 1)
                + " runs; the others: "
                + String.join(", ", noisier));
      }
      r.save(args.str("out", null));
      return 0;
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  static int ramp(Args args) throws Exception {
    URI base = URI.create(args.str("url"));
    OpenLoop.Target target = target(args);
    double limitMs = args.dbl("p99-limit-ms", 50);
    double firstWarmup = args.dbl("first-warmup", 10);
    double warmup = args.dbl("warmup", 3);
    double duration = args.dbl("duration", 10);
    String out = args.str("out", null);
    String id = args.str("id");
    Vertx vertx = Vertx.vertx();
    try {
      HttpClientAgent client =
          OpenLoop.client(vertx, base.getHost(), base.getPort(), args.integer("connections", 64));
      prewarm(vertx, client, target, args);
      Result best = null;
      Result missed = null;
      int step = 0;
      int retries = args.integer("retries", 2);
      for (String rateText : args.str("rates").split(",")) {
        double rate = Double.parseDouble(rateText.trim());
        Result r = null;
        boolean held = false;
        // a step that misses is run again (up to --retries times) before the ramp stops: on a
        // shared
        // machine one burst of other work can sink a step; every attempt is reported with its noise
        for (int attempt = 0; attempt <= retries && !held; attempt++) {
          OpenLoop.Run run =
              OpenLoop.run(
                      vertx.getOrCreateContext(),
                      client,
                      target,
                      rate,
                      step == 0 ? firstWarmup : warmup,
                      duration,
                      42 + step,
                      null)
                  .toCompletionStage()
                  .toCompletableFuture()
                  .get();
          step++;
          held =
              run.errors == 0
                  && run.latency.getValueAtPercentile(99) / 1000.0 <= limitMs
                  && run.throughput() >= 0.95 * rate;
          r =
              run.toResult(
                      id + ".step",
                      args.str("what") + " step",
                      String.format(
                          Locale.ROOT,
                          "%.0f req/s, %.0f s%s",
                          rate,
                          duration,
                          attempt > 0 ? ", again" : ""))
                  .put("held", held)
                  .put("attempt", attempt + 1);
          if (run.errors > 0) {
            r.note("outcomes " + run.outcomes);
          }
          r.save(out);
        }
        if (!held) {
          missed = r;
          break;
        }
        best = r;
      }
      Result summary = new Result(id, args.str("what"));
      if (best != null) {
        summary =
            new Result(id, args.str("what"))
                .load(
                    String.format(
                        Locale.ROOT,
                        "%s %s, fixed-rate steps (%s req/s, %.0f s each); highest step with p99 ≤ %.0f ms, no errors",
                        target.method(),
                        describe(target),
                        args.str("rates"),
                        duration,
                        limitMs))
                .offered(best.json().getDouble("offered"))
                .throughput(best.throughputValue(), "req/s")
                .put("p50_ms", best.json().getDouble("p50_ms"))
                .put("p99_ms", best.p99())
                .put("max_ms", best.json().getDouble("max_ms"))
                .put("count", best.json().getLong("count"))
                .errors(best.errorCount());
        for (String k :
            new String[] {"cpu_server", "cpu_load", "cpu_other", "server_cpu_ms_per_op"}) {
          summary.put(k, best.json().getValue(k));
        }
      } else if (missed != null) { // even the lowest step missed: show it
        summary =
            new Result(id, args.str("what"))
                .load(
                    String.format(
                        Locale.ROOT,
                        "%s %s, fixed-rate steps (%s req/s, %.0f s each): not even the lowest step held (its numbers shown)",
                        target.method(),
                        describe(target),
                        args.str("rates"),
                        duration))
                .throughput(missed.throughputValue(), "req/s")
                .put("held", false)
                .put("p50_ms", missed.json().getDouble("p50_ms"))
                .put("p99_ms", missed.p99())
                .put("max_ms", missed.json().getDouble("max_ms"))
                .put("count", missed.json().getLong("count"))
                .errors(missed.errorCount());
        for (String k :
            new String[] {"cpu_server", "cpu_load", "cpu_other", "server_cpu_ms_per_op"}) {
          summary.put(k, missed.json().getValue(k));
        }
      }
      if (missed != null) {
        summary.note(
            String.format(
                Locale.ROOT,
                "next step %.0f req/s missed: p99 %s ms, %.0f req/s done, %d errors",
                missed.json().getDouble("offered"),
                Result.ms(missed.p99()),
                missed.throughputValue(),
                missed.errorCount()));
      } else {
        summary.note("every step held (the ramp ended before the limit)");
      }
      summary.save(out);
      return 0;
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  /**
   * {@code --prewarm S}: S seconds of closed-loop requests (4 in flight) before anything is
   * measured.
   */
  private static void prewarm(
      Vertx vertx, HttpClientAgent client, OpenLoop.Target target, Args args) throws Exception {
    double secs = args.dbl("prewarm", 0);
    if (secs > 0) {
      long n =
          OpenLoop.warm(vertx.getOrCreateContext(), client, target, 4, secs)
              .toCompletionStage()
              .toCompletableFuture()
              .get();
      System.out.printf(
          Locale.ROOT, "pre-warm: %d requests in %.0f s (closed loop, not measured)%n", n, secs);
    }
  }

  static String describe(OpenLoop.Target target) {
    String first = target.paths().get(0);
    return target.paths().size() == 1
        ? first
        : first + " (one of " + target.paths().size() + " paths, random)";
  }
}
