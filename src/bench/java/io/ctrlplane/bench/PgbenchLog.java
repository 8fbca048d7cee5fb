package io.ctrlplane.bench;

import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * Turns a pgbench run (its per-transaction logs, -l, and its report) into a result row: the tps
 * pgbench reports, and p50/p99/max of the per-transaction latencies (third column of each log line,
 * in µs).
 */
final class PgbenchLog {
  private PgbenchLog() {}

  static int main(Args args) throws Exception {
    Path dir = Path.of(args.str("log-dir"));
    String prefix = args.str("log-prefix", "pgbench_log");
    Histogram h = Result.histogram();
    List<Path> logs;
    try (Stream<Path> files = Files.list(dir)) {
      logs = files.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
    }
    for (Path log : logs) {
      try (BufferedReader in = Files.newBufferedReader(log)) {
        String line;
        while ((line = in.readLine()) != null) {
          String[] f = line.trim().split("\\s+");
          if (f.length >= 3 && !"failed".equals(f[2]) && !"skipped".equals(f[2])) {
            Result.record(h, Long.parseLong(f[2]));
          }
        }
      }
    }
    String report = Files.readString(Path.of(args.str("report")));
    double tps = find(report, "tps = ([0-9.]+) \\(without initial connection time\\)", Double.NaN);
    long failed = (long) find(report, "number of failed transactions: (\\d+)", 0);
    Result row = new Result(args.str("id"), args.str("what"));
    if (args.str("cpu-file", null) != null && Files.exists(Path.of(args.str("cpu-file")))) {
      io.vertx.core.json.JsonObject cpu =
          new io.vertx.core.json.JsonObject(Files.readString(Path.of(args.str("cpu-file"))));
      for (String k : new String[] {"cpu_server", "cpu_load", "cpu_other"}) {
        row.put(k, cpu.getDouble(k));
      }
      if (h.getTotalCount() > 0 && cpu.getValue("cpu_server") != null) {
        // the meter ran over the pgbench run: server cores × seconds / transactions
        row.put("server_cpu_ms_per_op", cpu.getDouble("cpu_server") * 1000 / tps);
      }
    }
    row.load(args.str("load"))
        .throughput(tps, "tx/s")
        .latency(h)
        .errors(failed)
        .note("latency per transaction from pgbench -l")
        .save(args.str("out", null));
    return 0;
  }

  private static double find(String text, String regex, double def) {
    Matcher m = Pattern.compile(regex).matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : def;
  }
}
