package io.ctrlplane.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * One measured row: what was measured, the load, throughput, latency percentiles (ms), errors. Rows
 * are appended as JSON lines to the results file; {@link Report} renders them.
 */
final class Result {
  private final JsonObject json = new JsonObject();

  Result(String id, String what) {
    json.put("id", id).put("what", what);
  }

  Result load(String load) {
    json.put("load", load);
    return this;
  }

  /** Throughput with its unit, e.g. "req/s", "tx/s", "deploys/s". */
  Result throughput(double value, String unit) {
    json.put("unit", unit);
    return put("throughput", value);
  }

  Result offered(double rate) {
    return put("offered", rate);
  }

  /** Latency from a histogram recorded in microseconds. */
  Result latency(Histogram h) {
    json.put("count", h.getTotalCount());
    if (h.getTotalCount() > 0) {
      json.put("p50_ms", h.getValueAtPercentile(50) / 1000.0)
          .put("p99_ms", h.getValueAtPercentile(99) / 1000.0)
          .put("max_ms", h.getMaxValue() / 1000.0);
    }
    return this;
  }

  Result errors(long errors) {
    json.put("errors", errors);
    return this;
  }

  Result note(String note) {
    String old = json.getString("note");
    json.put("note", old == null ? note : old + "; " + note);
    return this;
  }

  Result put(String key, Object value) {
    if (value instanceof Double d && (d.isNaN() || d.isInfinite())) {
      json.remove(key); // not representable in JSON: leave it out (rendered as –)
      return this;
    }
    json.put(key, value);
    return this;
  }

  JsonObject json() {
    return json;
  }

  double p99() {
    return json.getDouble("p99_ms", Double.NaN);
  }

  long errorCount() {
    return json.getLong("errors", 0L);
  }

  double throughputValue() {
    return json.getDouble("throughput", 0.0);
  }

  /** Appends the row to {@code file} (when given) and prints a one-line summary. */
  Result save(String file) throws IOException {
    if (file != null) {
      Files.writeString(
          Path.of(file),
          json.encode() + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    }
    System.out.println(summary());
    return this;
  }

  String summary() {
    return String.format(
        Locale.ROOT,
        "[%s] %s | %s | %.1f %s | p50 %s p99 %s max %s ms | errors %d%s",
        json.getString("id"),
        json.getString("what"),
        json.getString("load", ""),
        json.getDouble("throughput", 0.0),
        json.getString("unit", ""),
        ms(json.getDouble("p50_ms")),
        ms(json.getDouble("p99_ms")),
        ms(json.getDouble("max_ms")),
        json.getLong("errors", 0L),
        (json.getValue("cpu_server") == null
                ? ""
                : String.format(
                    Locale.ROOT,
                    " | cores server %.2f load %.2f others %.2f%s",
                    json.getDouble("cpu_server"),
                    json.getDouble("cpu_load", 0.0),
                    json.getDouble("cpu_other", 0.0),
                    json.getValue("server_cpu_ms_per_op") == null
                        ? ""
                        : String.format(
                            Locale.ROOT,
                            ", server %.2f ms CPU/op",
                            json.getDouble("server_cpu_ms_per_op"))))
            + (json.getString("note") == null ? "" : " | " + json.getString("note")));
  }

  static String ms(Double v) {
    if (v == null || v.isNaN()) {
      return "–";
    }
    return v >= 100
        ? String.format(Locale.ROOT, "%.0f", v)
        : v >= 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.2f", v);
  }

  /** A histogram of microseconds up to 10 minutes with 3 significant digits. */
  static Histogram histogram() {
    return new Histogram(600_000_000L, 3);
  }

  static void record(Histogram h, long micros) {
    h.recordValue(Math.max(0, Math.min(micros, h.getHighestTrackableValue())));
  }
}
