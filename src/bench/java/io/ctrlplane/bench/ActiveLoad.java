package io.ctrlplane.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * Issue 19: many active deployments in one runner process. {@code --mode mix}: {@code add} more
 * deployments on as many instances (simulator), to {@code count} in all, all waiting at once: 40 %
 * indefinitely paused canaries, 20 % timed pauses (ending during and after the window), 20 %
 * analysis windows, 20 % readiness waits (replicas that take an hour to become ready). Once every
 * one is waiting, a window measures the runner's dispatch lag (from its stats lines), its CPU,
 * PostgreSQL statements/s ({@code pg_stat_statements}, every client) and, after, the runner's heap
 * after a full GC. While the window runs, 10 paused canaries per second are promoted, so commands
 * are dispatched too. {@code --mode hol}: {@code count} indefinitely paused canaries, then one
 * deploy to each of {@code count} other instances, all at once: their start latency (created →
 * started).
 */
final class ActiveLoad {
  private static final Pattern STATS =
      Pattern.compile(
          "^(\\S+) .*stats: active=(\\d+) .*moves=(\\d+) lag_ms p50=([\\d.]+) p99=([\\d.]+) max=([\\d.]+)");

  private ActiveLoad() {}

  static int main(Args args) throws Exception {
    String mode = args.str("mode", "mix");
    try (Api api = new Api(args.str("url"));
        Connection db =
            DriverManager.getConnection(
                args.str("pg-jdbc"),
                args.str("pg-user", "postgres"),
                args.str("pg-password", ""))) {
      return "hol".equals(mode) ? headOfLine(args, api, db) : mix(args, api, db);
    }
  }

  private static JsonObject canary(JsonObject pauseOrAnalysis) {
    return new JsonObject()
        .put(
            "steps",
            new JsonArray().add(new JsonObject().put("set_weight", 50)).add(pauseOrAnalysis));
  }

  private static final JsonObject INSTANT =
      new JsonObject().put("start_delay_ms", 0).put("ready_delay_ms", 0);

  private static List<String> instances(Api api, String prefix, int n, JsonObject slowEvery)
      throws Exception {
    List<JsonObject> created =
        api.all(
            n,
            16,
            i ->
                api.post(
                    "/v1/instances",
                    new JsonObject()
                        .put("name", prefix + "-" + i)
                        .put("replicas", 1)
                        .put(
                            "provider_config",
                            slowEvery != null && i % 10 >= 8 ? slowEvery : INSTANT)));
    return created.stream().map(j -> j.getString("id")).toList();
  }

  /** The deploy of instance {@code i} in the mix. */
  private static JsonObject mixDeploy(int i) {
    JsonObject body = new JsonObject().put("image", "registry.example/bench/app:active");
    int kind = i % 10;
    if (kind < 4) {
      return body.put("strategy", "canary")
          .put("strategy_params", canary(new JsonObject().put("pause", new JsonObject())));
    }
    if (kind < 6) {
      int seconds = 60 + (i * 7919) % 1740; // spread over 1–30 min: a few end in every window
      return body.put("strategy", "canary")
          .put(
              "strategy_params",
              canary(new JsonObject().put("pause", new JsonObject().put("seconds", seconds))));
    }
    if (kind < 8) {
      return body.put("strategy", "canary")
          .put(
              "strategy_params",
              canary(
                  new JsonObject()
                      .put(
                          "analysis",
                          new JsonObject()
                              .put("max_error_rate", 1.0)
                              .put("window_seconds", 3600))));
    }
    return body.put("strategy", "rolling")
        .put("strategy_params", new JsonObject().put("progress_deadline_seconds", 7200));
  }

  private static List<String> ids(List<JsonObject> replies) {
    return replies.stream().map(j -> j.getString("id")).toList();
  }

  private static long count(Connection db, List<String> ids, String condition) throws Exception {
    try (PreparedStatement st =
        db.prepareStatement(
            "SELECT count(*) FROM deployments WHERE id = ANY(?) AND " + condition)) {
      st.setArray(1, db.createArrayOf("text", ids.toArray()));
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Polls (this only decides when to go on) until every deployment is waiting or done. */
  private static boolean awaitWaiting(Connection db, List<String> ids, int timeoutSeconds)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (System.nanoTime() < deadline) {
      // waiting, or already through (a short timed pause can end before the last one is admitted)
      if (count(
              db,
              ids,
              "state <> 'pending' AND (state <> 'running' OR progress->>'blocked_on' IN "
                  + "('pause','analysis','readiness'))")
          == ids.size()) {
        return true;
      }
      Thread.sleep(500);
    }
    return false;
  }

  private static int mix(Args args, Api api, Connection db) throws Exception {
    int n = args.integer("add", args.integer("count", 1000));
    int window = args.integer("window", 30);
    long runnerPid = Long.parseLong(args.str("runner-pid"));
    Path runnerLog = Path.of(args.str("runner-log"));
    JsonObject slow = new JsonObject().put("start_delay_ms", 0).put("ready_delay_ms", 3_600_000);
    long t0 = System.nanoTime();
    List<String> instances = instances(api, args.str("prefix"), n, slow);
    // a canary needs a live release to stand beside: v1 first (0 ms delays) on all but the
    // readiness-wait instances, whose first deploy is the one that waits
    List<Integer> withV1 = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (i % 10 < 8) {
        withV1.add(i);
      }
    }
    List<String> firsts =
        ids(
            api.all(
                withV1.size(),
                16,
                k ->
                    api.post(
                        "/v1/instances/" + instances.get(withV1.get(k)) + "/deployments",
                        new JsonObject()
                            .put("image", "registry.example/bench/app:v1")
                            .put("strategy", "rolling"))));
    EndToEnd.waitTerminal(db, firsts, args.integer("timeout", 900));
    List<String> deployments =
        ids(
            api.all(
                n,
                16,
                i -> api.post("/v1/instances/" + instances.get(i) + "/deployments", mixDeploy(i))));
    boolean waiting = awaitWaiting(db, deployments, args.integer("timeout", 900));
    double admitSecs = (System.nanoTime() - t0) / 1e9;
    awaitDrained(runnerLog, args.integer("timeout", 900));
    List<String> promotable = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (i % 10 < 4) {
        promotable.add(deployments.get(i));
      }
    }

    try (Statement st = db.createStatement()) {
      st.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      st.execute("SELECT pg_stat_statements_reset()");
    }
    Instant windowStart = Instant.now();
    long cpu0 = cpuTicks(runnerPid);
    long w0 = System.nanoTime();
    int promoted = 0;
    while (System.nanoTime() - w0 < TimeUnit.SECONDS.toNanos(window)) {
      long due = w0 + promoted * 100_000_000L; // 10 per second
      long wait = due - System.nanoTime();
      if (wait > 0) {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      }
      if (promoted < promotable.size()) {
        api.post(
                "/v1/deployments/" + promotable.get(promoted) + "/promote",
                new JsonObject().put("full", true))
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
      }
      promoted++;
    }
    double secs = (System.nanoTime() - w0) / 1e9;
    double runnerCores = (cpuTicks(runnerPid) - cpu0) / 100.0 / secs;
    Instant windowEnd = Instant.now();
    long statements;
    String top;
    try (Statement st = db.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements "
                    + "WHERE query NOT LIKE '%pg_stat_statements%'")) {
      rs.next();
      statements = rs.getLong(1);
    }
    try (Statement st = db.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 60) FROM pg_stat_statements "
                    + "WHERE query NOT LIKE '%pg_stat_statements%' ORDER BY calls DESC LIMIT 3")) {
      StringBuilder b = new StringBuilder();
      while (rs.next()) {
        b.append(
            String.format(Locale.ROOT, "%.0f/s `%s…` ", rs.getLong(1) / secs, rs.getString(2)));
      }
      top = b.toString().trim();
    }
    long active;
    try (Statement st = db.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT count(*) FROM deployments WHERE state = 'running'")) {
      rs.next();
      active = rs.getLong(1);
    }
    double heapMb = heapAfterGc(runnerPid);
    Lag lag = lag(runnerLog, windowStart, windowEnd);
    double stmtPerSec = statements / secs;
    Result row = new Result(args.str("id"), args.str("what"));
    row.load(
            String.format(
                Locale.ROOT,
                "%s deployments in 1 runner process (40 %% indefinite pauses, 20 %% timed 1–30 min,"
                    + " 20 %% analysis windows, 20 %% readiness waits), %d s window, 10 promotes/s",
                args.str("count"),
                window))
        .throughput(stmtPerSec, "PG stmt/s")
        .put("p50_ms", lag.p50)
        .put("p99_ms", lag.p99)
        .put("max_ms", lag.max)
        .put("cpu_server", runnerCores)
        .put("heap_mb", heapMb)
        .put("moves", lag.moves)
        .errors(waiting ? 0 : 1)
        .note(
            String.format(
                Locale.ROOT,
                "dispatch lag (due → started) from the runner's stats lines: p50 = median of"
                    + " the stats windows' p50, p99/max = worst window; %d moves (%.0f/s); runner"
                    + " %.2f cores (the Cores column's first number), heap after a full GC %.0f MiB;"
                    + " PostgreSQL %.0f statements/s from every client (%.0f per 1 000 active);"
                    + " %d active at the end; the %d added for this row all waiting %.0f s after"
                    + " their first POST; top: %s",
                lag.moves,
                lag.moves / secs,
                runnerCores,
                heapMb,
                stmtPerSec,
                stmtPerSec * 1000 / Math.max(1, active),
                active,
                n,
                admitSecs,
                top))
        .note(waiting ? "all waiting before the window" : "not all were waiting: timed out")
        .save(args.str("out", null));
    return 0;
  }

  private static int headOfLine(Args args, Api api, Connection db) throws Exception {
    int n = args.integer("count", 50);
    String prefix = args.str("prefix");
    List<String> pausedOn = instances(api, prefix + "-paused", n, null);
    List<String> firsts =
        ids(
            api.all(
                n,
                16,
                i ->
                    api.post(
                        "/v1/instances/" + pausedOn.get(i) + "/deployments",
                        new JsonObject()
                            .put("image", "registry.example/bench/app:v1")
                            .put("strategy", "rolling"))));
    EndToEnd.waitTerminal(db, firsts, args.integer("timeout", 300));
    List<String> others = instances(api, prefix + "-other", n, null);
    List<String> paused =
        ids(
            api.all(
                n,
                16,
                i ->
                    api.post(
                        "/v1/instances/" + pausedOn.get(i) + "/deployments",
                        new JsonObject()
                            .put("image", "registry.example/bench/app:hol")
                            .put("strategy", "canary")
                            .put(
                                "strategy_params",
                                canary(new JsonObject().put("pause", new JsonObject()))))));
    boolean waiting = awaitWaiting(db, paused, args.integer("timeout", 300));
    List<String> deploys =
        ids(
            api.all(
                n,
                16,
                i ->
                    api.post(
                        "/v1/instances/" + others.get(i) + "/deployments",
                        new JsonObject()
                            .put("image", "registry.example/bench/app:hol")
                            .put("strategy", "rolling"))));
    boolean done = EndToEnd.waitTerminal(db, deploys, args.integer("timeout", 300));
    Histogram start = Result.histogram();
    long errors = 0;
    try (PreparedStatement st =
        db.prepareStatement(
            "SELECT state, extract(epoch FROM started_at - created_at) AS s FROM deployments "
                + "WHERE id = ANY(?)")) {
      st.setArray(1, db.createArrayOf("text", deploys.toArray()));
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          if ("succeeded".equals(rs.getString("state"))) {
            Result.record(start, (long) (rs.getDouble("s") * 1e6));
          } else {
            errors++;
          }
        }
      }
    }
    long stillPaused = count(db, paused, "state = 'running' AND progress->>'blocked_on' = 'pause'");
    new Result(args.str("id"), args.str("what"))
        .load(
            String.format(
                Locale.ROOT,
                "%d indefinitely paused canaries, then 1 rolling deploy to each of %d other instances"
                    + " (simulator 0 ms), all POSTed at once",
                n,
                n))
        .latency(start)
        .errors(errors + (waiting ? 0 : 1) + (n - stillPaused))
        .note(
            String.format(
                Locale.ROOT,
                "latency = created → started of the other instances' deploys; %d of %d canaries"
                    + " still paused after%s",
                stillPaused,
                n,
                done ? "" : "; timed out before all were terminal"))
        .save(args.str("out", null));
    return 0;
  }

  /**
   * Waits for a runner stats line with nothing due: the moves of the admission burst are behind, so
   * the window measures the waiting deployments, not the tail of their admission.
   */
  private static void awaitDrained(Path log, int timeoutSeconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    Instant since = Instant.now();
    while (System.nanoTime() < deadline) {
      List<String> lines = Files.readAllLines(log);
      for (int i = lines.size() - 1; i >= 0; i--) {
        String line = lines.get(i);
        if (line.contains(" stats: ") && line.contains(" due=0 ")) {
          try {
            if (Instant.parse(line.substring(0, line.indexOf(' '))).isAfter(since)) {
              return;
            }
          } catch (RuntimeException e) {
            // not a timestamped line
          }
          break;
        }
      }
      Thread.sleep(500);
    }
  }

  private static long cpuTicks(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
  }

  /** The runner's heap after a full GC (jcmd GC.run, then GC.heap_info), in MiB. */
  private static double heapAfterGc(long pid) throws Exception {
    run("jcmd", String.valueOf(pid), "GC.run");
    String info = run("jcmd", String.valueOf(pid), "GC.heap_info");
    Matcher m = Pattern.compile("used (\\d+)K").matcher(info);
    return m.find() ? Long.parseLong(m.group(1)) / 1024.0 : Double.NaN;
  }

  private static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor(60, TimeUnit.SECONDS);
    return out;
  }

  private record Lag(double p50, double p99, double max, long moves) {}

  /** The runner's stats lines logged inside the window. */
  private static Lag lag(Path log, Instant from, Instant to) throws Exception {
    List<Double> p50s = new ArrayList<>();
    double p99 = 0;
    double max = 0;
    long moves = 0;
    for (String line : Files.readAllLines(log)) {
      Matcher m = STATS.matcher(line);
      if (!m.find()) {
        continue;
      }
      Instant at;
      try {
        at = Instant.parse(m.group(1));
      } catch (RuntimeException e) {
        continue;
      }
      if (at.isBefore(from) || at.isAfter(to.plusSeconds(1))) {
        continue;
      }
      moves += Long.parseLong(m.group(3));
      p50s.add(Double.parseDouble(m.group(4)));
      p99 = Math.max(p99, Double.parseDouble(m.group(5)));
      max = Math.max(max, Double.parseDouble(m.group(6)));
    }
    if (p50s.isEmpty()) {
      return new Lag(Double.NaN, Double.NaN, Double.NaN, 0);
    }
    p50s.sort(null);
    return new Lag(p50s.get(p50s.size() / 2), p99, max, moves);
  }
}
