package io.ctrlplane.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns wrk --latency output (closed loop: the most the target serves, not a latency test) into a
 * row.
 */
final class WrkLog {
  private WrkLog() {}

  static int main(Args args) throws Exception {
    String text = Files.readString(Path.of(args.str("file")));
    double rps = number(text, "Requests/sec:\\s+([0-9.]+)");
    Result r =
        new Result(args.str("id"), args.str("what"))
            .load(args.str("load"))
            .throughput(rps, "req/s")
            .put("p50_ms", duration(text, "\\s50%\\s+([0-9.]+)(us|ms|s)\\b"))
            .put("p99_ms", duration(text, "\\s99%\\s+([0-9.]+)(us|ms|s)\\b"))
            .put("max_ms", duration(text, "Latency\\s+\\S+\\s+\\S+\\s+([0-9.]+)(us|ms|s)\\b"));
    long errors = 0;
    Matcher non2xx = Pattern.compile("Non-2xx or 3xx responses: (\\d+)").matcher(text);
    if (non2xx.find()) {
      errors += Long.parseLong(non2xx.group(1));
    }
    Matcher socket =
        Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)")
            .matcher(text);
    if (socket.find()) {
      for (int g = 1; g <= 4; g++) {
        errors += Long.parseLong(socket.group(g));
      }
    }
    r.errors(errors)
        .note("closed loop (wrk): capacity, latencies are not coordinated-omission free");
    r.save(args.str("out", null));
    return 0;
  }

  private static double number(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  private static double duration(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    if (!m.find()) {
      return Double.NaN;
    }
    double v = Double.parseDouble(m.group(1));
    return switch (m.group(2)) {
      case "us" -> v / 1000;
      case "s" -> v * 1000;
      default -> v;
    };
  }
}
