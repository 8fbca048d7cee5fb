package io.ctrlplane.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Who used the CPU during a measurement, from /proc (Linux): the system under test (the Ctrl Plane
 * JVMs, the embedded PostgreSQL under target/bench and its backends, the bare-route server), the
 * load generators (io.ctrlplane.bench JVMs, wrk, pgbench), and everything else on the machine
 * (other builds: the noise). Numbers are in cores (CPU seconds per second). On a shared machine
 * this says how much of the two cores the measurement really had, and the server's CPU per request
 * does not depend on what else ran.
 */
final class CpuMeter {
  record Usage(
      double serverCores,
      double loadCores,
      double otherCores,
      double serverCpuSeconds,
      double seconds) {
    Result addTo(Result r, long operations) {
      r.put("cpu_server", serverCores).put("cpu_load", loadCores).put("cpu_other", otherCores);
      if (operations > 0) {
        r.put("server_cpu_ms_per_op", serverCpuSeconds * 1000 / operations);
      }
      return r;
    }
  }

  private record Snapshot(
      long nanos, long busyTicks, Map<Integer, Long> server, Map<Integer, Long> load) {}

  private static final Path PROC = Path.of("/proc");
  private static final double TICK = 100.0; // USER_HZ: 100 on every Linux this runs on
  private Snapshot start;

  static boolean available() {
    return Files.isReadable(PROC.resolve("stat"));
  }

  void start() {
    start = available() ? snapshot() : null;
  }

  /** Usage since {@link #start()}; null where /proc is not readable. */
  Usage stop() {
    if (start == null) {
      return null;
    }
    Snapshot end = snapshot();
    double secs = (end.nanos() - start.nanos()) / 1e9;
    double server = delta(start.server(), end.server()) / TICK;
    double load = delta(start.load(), end.load()) / TICK;
    double busy = (end.busyTicks() - start.busyTicks()) / TICK;
    return new Usage(
        server / secs, load / secs, Math.max(0, busy - server - load) / secs, server, secs);
  }

  /**
   * CPU of a group over the window: its ticks at the end minus its ticks at the start. Each
   * process's ticks include the CPU of its children that ended and were waited for (cutime +
   * cstime), so a PostgreSQL backend that exits inside the window still counts (into the
   * postmaster's total).
   */
  private static long delta(Map<Integer, Long> a, Map<Integer, Long> b) {
    long sum = 0;
    for (long v : b.values()) {
      sum += v;
    }
    for (long v : a.values()) {
      sum -= v;
    }
    return sum;
  }

  private static Snapshot snapshot() {
    long nanos = System.nanoTime();
    long busy = 0;
    try {
      String[] f = Files.readAllLines(PROC.resolve("stat")).get(0).trim().split("\\s+");
      // cpu user nice system idle iowait irq softirq steal ...
      for (int i = 1; i < f.length && i <= 8; i++) {
        if (i != 4 && i != 5) {
          busy += Long.parseLong(f[i]);
        }
      }
    } catch (IOException | RuntimeException e) {
      return new Snapshot(nanos, 0, Map.of(), Map.of());
    }
    Map<Integer, Long> ticks = new HashMap<>();
    Map<Integer, Integer> parent = new HashMap<>();
    Map<Integer, String> cmd = new HashMap<>();
    try (DirectoryStream<Path> dirs =
        Files.newDirectoryStream(PROC, p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path dir : dirs) {
        try {
          String stat = Files.readString(dir.resolve("stat"));
          int close = stat.lastIndexOf(')');
          String[] f = stat.substring(close + 2).split(" ");
          int pid = Integer.parseInt(dir.getFileName().toString());
          parent.put(pid, Integer.parseInt(f[1]));
          // utime + stime + cutime + cstime (children waited for)
          ticks.put(
              pid,
              Long.parseLong(f[11])
                  + Long.parseLong(f[12])
                  + Long.parseLong(f[13])
                  + Long.parseLong(f[14]));
          String comm = stat.substring(stat.indexOf('(') + 1, close);
          byte[] raw = Files.readAllBytes(dir.resolve("cmdline"));
          cmd.put(pid, comm + " " + new String(raw, StandardCharsets.UTF_8).replace('\0', ' '));
        } catch (IOException | RuntimeException e) {
          // the process ended while we looked
        }
      }
    } catch (IOException e) {
      return new Snapshot(nanos, busy, Map.of(), Map.of());
    }
    Set<Integer> server = new HashSet<>();
    Set<Integer> load = new HashSet<>();
    for (Map.Entry<Integer, String> e : cmd.entrySet()) {
      String c = e.getValue();
      if (c.contains("ctrlplane.jar dev")
          || c.contains("ctrlplane.jar serve")
          || c.contains("BenchMain bare")
          || (c.startsWith("postgres ") && c.contains("/target/bench/"))) {
        server.add(e.getKey());
      } else if (c.contains("io.ctrlplane.bench.BenchMain")
          || c.startsWith("wrk ")
          || c.startsWith("pgbench ")) {
        load.add(e.getKey());
      }
    }
    Map<Integer, Long> s = new HashMap<>();
    Map<Integer, Long> l = new HashMap<>();
    for (Map.Entry<Integer, Long> e : ticks.entrySet()) {
      int pid = e.getKey();
      if (under(pid, server, parent)) {
        s.put(pid, e.getValue());
      } else if (under(pid, load, parent)) {
        l.put(pid, e.getValue());
      }
    }
    return new Snapshot(nanos, busy, s, l);
  }

  /**
   * The process or one of its ancestors is in {@code roots} (PostgreSQL backends under the
   * postmaster).
   */
  private static boolean under(int pid, Set<Integer> roots, Map<Integer, Integer> parent) {
    for (int p = pid, depth = 0; p > 1 && depth < 16; depth++) {
      if (roots.contains(p)) {
        return true;
      }
      Integer next = parent.get(p);
      if (next == null) {
        return false;
      }
      p = next;
    }
    return false;
  }

  /**
   * {@code cpu}: meters for a while (around a pgbench run) and appends the usage to a file as JSON.
   */
  static int main(Args args) throws Exception {
    CpuMeter meter = new CpuMeter();
    meter.start();
    if (args.str("started", null) != null) { // tells bench/run.sh to start what is to be metered
      Files.writeString(Path.of(args.str("started")), "started\n");
    }
    Thread.sleep((long) (args.dbl("seconds", 10) * 1000));
    Usage u = meter.stop();
    if (u != null) {
      Result r = u.addTo(new Result("cpu", "cpu"), 0);
      Files.writeString(Path.of(args.str("file")), r.json().encode());
    }
    return 0;
  }
}
