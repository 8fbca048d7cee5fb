package io.ctrlplane.bench;

/**
 * The measuring side of bench/run.sh, in its own JVM (load comes from a separate process):
 *
 * <pre>
 *   java -cp target/ctrlplane.jar io.ctrlplane.bench.BenchMain &lt;command&gt; --option value ...
 *   http      one fixed-rate (open-loop) HTTP run
 *   ramp      fixed-rate steps at increasing rates until p99 exceeds a limit
 *   bare      the bare Vert.x route baseline server
 *   kafka     Kafka producer baseline (burst + fixed rate with a consumer)
 *   e2e       end-to-end deploy throughput
 *   events    event latency, commit to consumer
 *   active    many active deployments in one runner; head-of-line blocking (issue 19)
 *   pgbench   a pgbench run's logs to a result row
 *   wrk       a wrk run's output to a result row
 *   report    results → markdown table → RESULTS.md
 *   cpu       meter who used the CPU for a while (around pgbench)
 * </pre>
 */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] argv) throws Exception {
    if (argv.length == 0) {
      System.err.println(
          "usage: BenchMain http|ramp|bare|kafka|e2e|events|pgbench|wrk|report --option value ...");
      System.exit(2);
    }
    Args args = new Args(argv, 1);
    int code;
    switch (argv[0]) {
      case "http" -> code = HttpLoad.single(args);
      case "ramp" -> code = HttpLoad.ramp(args);
      case "bare" -> {
        BareServer.main(args);
        code = 0;
      }
      case "kafka" -> code = KafkaBaseline.main(args);
      case "e2e" -> code = EndToEnd.main(args);
      case "events" -> code = EventLatency.main(args);
      case "active" -> code = ActiveLoad.main(args);
      case "pgbench" -> code = PgbenchLog.main(args);
      case "wrk" -> code = WrkLog.main(args);
      case "report" -> code = Report.main(args);
      case "cpu" -> code = CpuMeter.main(args);
      default -> {
        System.err.println("unknown command " + argv[0]);
        code = 2;
      }
    }
    System.exit(code);
  }
}
