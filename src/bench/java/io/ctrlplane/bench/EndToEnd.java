package io.ctrlplane.bench;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * End-to-end deploy throughput: instances on the simulator with zero delays, 3 replicas, rolling. A
 * warm-up round (one deploy per instance, which also gives each a current release) runs to the end
 * first; then {@code per-instance} deploys per instance are submitted at once (round robin, so the
 * runners, not the per-instance FIFO, are the limit) and the database is watched until every one is
 * terminal. Throughput = succeeded / (last finished_at − first created_at); latency =
 * started→finished (the rollout itself, without the queueing this burst causes on purpose).
 */
final class EndToEnd {
  private EndToEnd() {}

  static int main(Args args) throws Exception {
    String id = args.str("id");
    String prefix = args.str("prefix");
    int instances = args.integer("instances", 48);
    int perInstance = args.integer("per-instance", 8);
    String out = args.str("out", null);
    try (Api api = new Api(args.str("url"));
        Connection db =
            DriverManager.getConnection(
                args.str("pg-jdbc"),
                args.str("pg-user", "postgres"),
                args.str("pg-password", ""))) {
      JsonObject providerConfig =
          new JsonObject().put("start_delay_ms", 0).put("ready_delay_ms", 0);
      List<JsonObject> created =
          api.all(
              instances,
              8,
              i ->
                  api.post(
                      "/v1/instances",
                      new JsonObject()
                          .put("name", prefix + "-" + i)
                          .put("replicas", 3)
                          .put("provider_config", providerConfig)
                          .put("default_strategy", "rolling")));
      List<String> paths = new ArrayList<>();
      for (JsonObject inst : created) {
        paths.add("/v1/instances/" + inst.getString("id") + "/deployments");
      }
      if (args.str("paths-out", null) != null) {
        Files.write(Path.of(args.str("paths-out")), paths);
      }
      // warm-up (JIT of fresh runner JVMs; a current release on each instance): rounds of one
      // deploy each
      int warmRounds = Math.max(1, args.integer("warm-per-instance", 1));
      for (int round = 0; round < warmRounds; round++) {
        int r = round;
        List<String> warm =
            ids(api.all(paths.size(), 16, i -> api.post(paths.get(i), deployBody(-1 - r))));
        waitTerminal(db, warm, 300);
      }
      if (perInstance == 0) { // setup only: instances with a current release, for the events step
        return 0;
      }
      CpuMeter meter = new CpuMeter();
      meter.start();
      long submitStart = System.nanoTime();
      int n = paths.size() * perInstance;
      List<String> measured =
          ids(
              api.all(
                  n,
                  16,
                  k -> api.post(paths.get(k % paths.size()), deployBody(1 + k / paths.size()))));
      double submitSecs = (System.nanoTime() - submitStart) / 1e9;
      boolean allDone = waitTerminal(db, measured, args.integer("timeout", 600));
      CpuMeter.Usage usage = meter.stop();
      try (PreparedStatement st =
          db.prepareStatement(
              "SELECT state, "
                  + "extract(epoch FROM created_at) AS c, extract(epoch FROM started_at) AS s, "
                  + "extract(epoch FROM finished_at) AS f FROM deployments WHERE id = ANY(?)")) {
        st.setArray(1, db.createArrayOf("text", measured.toArray()));
        Histogram rollout = Result.histogram();
        List<Double> finished = new ArrayList<>();
        double firstCreated = Double.MAX_VALUE;
        long errors = 0;
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) {
            firstCreated = Math.min(firstCreated, rs.getDouble("c"));
            if ("succeeded".equals(rs.getString("state"))) {
              finished.add(rs.getDouble("f"));
              Result.record(rollout, (long) ((rs.getDouble("f") - rs.getDouble("s")) * 1e6));
            } else {
              errors++;
            }
          }
        }
        finished.sort(null);
        double span =
            finished.isEmpty() ? Double.NaN : finished.get(finished.size() - 1) - firstCreated;
        double steady = Double.NaN;
        if (finished.size() >= 20) {
          int a = finished.size() / 10;
          int b = finished.size() * 9 / 10;
          steady = (b - a) / (finished.get(b) - finished.get(a));
        }
        Result row = new Result(id, args.str("what"));
        if (usage != null) {
          usage.addTo(row, finished.size());
        }
        row.load(
                String.format(
                    Locale.ROOT,
                    "%d deploys (%d instances × %d, rolling, 3 replicas, simulator 0 ms delays) after %d warm-up rounds,"
                        + " submitted in %.1f s",
                    n,
                    paths.size(),
                    perInstance,
                    warmRounds,
                    submitSecs))
            .throughput(finished.size() / span, "deploys/s")
            .latency(rollout)
            .errors(errors)
            .put("steady", steady)
            .note(
                String.format(
                    Locale.ROOT,
                    "10–90 %% completions: %.1f deploys/s; latency = started→finished",
                    steady))
            .note(allDone ? "all terminal" : "timed out before all were terminal")
            .save(out);
      }
    }
    return 0;
  }

  static JsonObject deployBody(int version) {
    String tag = version < 0 ? "warm" + (-version) : String.valueOf(version);
    return new JsonObject()
        .put("image", "registry.example/bench/app:" + tag)
        .put("strategy", "rolling");
  }

  private static List<String> ids(List<JsonObject> replies) {
    List<String> ids = new ArrayList<>();
    for (JsonObject r : replies) {
      ids.add(r.getString("id"));
    }
    return ids;
  }

  /** Polls until every deployment is terminal; false on timeout. */
  static boolean waitTerminal(Connection db, List<String> ids, int timeoutSeconds)
      throws Exception {
    long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
    try (PreparedStatement st =
        db.prepareStatement(
            "SELECT count(*) FROM deployments WHERE id = ANY(?) "
                + "AND state IN ('pending', 'running')")) {
      Array array = db.createArrayOf("text", ids.toArray());
      st.setArray(1, array);
      while (System.nanoTime() < deadline) {
        try (ResultSet rs = st.executeQuery()) {
          rs.next();
          if (rs.getLong(1) == 0) {
            return true;
          }
        }
        Thread.sleep(250); // completion times come from finished_at; this only decides when to stop
      }
    }
    return false;
  }
}
