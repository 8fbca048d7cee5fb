package io.ctrlplane.testing;

import io.ctrlplane.config.AppConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A runner in a JVM of its own ({@code ctrlplane serve --roles runner}), configured through the
 * environment like a production runner, logging to a file the test can read.
 */
public final class RunnerProcess implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path log;

  private RunnerProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  public static RunnerProcess start(String name, AppConfig config, int leaseSeconds, Path logDir)
      throws IOException {
    Files.createDirectories(logDir);
    Path log = logDir.resolve(name + ".log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
                List.of(
                    java,
                    "-Xmx256m",
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1",
                    "-cp",
                    System.getProperty("java.class.path"),
                    "io.ctrlplane.Main",
                    "serve",
                    "--roles",
                    "runner"))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    env.put("CTRLPLANE_PG_URL", config.postgres().url());
    env.put("CTRLPLANE_PG_USER", config.postgres().user());
    env.put("CTRLPLANE_PG_PASSWORD", config.postgres().password());
    env.put("CTRLPLANE_PG_POOL_SIZE", "4");
    env.put("CTRLPLANE_KAFKA_BOOTSTRAP_SERVERS", config.kafka().bootstrapServers());
    env.put("CTRLPLANE_KAFKA_TOPIC", config.kafka().topic());
    env.put("CTRLPLANE_RUNNER_INSTANCES", "1");
    env.put("CTRLPLANE_RUNNER_LEASE_SECONDS", String.valueOf(leaseSeconds));
    env.put("CTRLPLANE_RUNNER_POLL_MS", "250");
    env.put("CTRLPLANE_HTTP_PORT", String.valueOf(TestStack.freePort()));
    env.put("CTRLPLANE_AGENT_TOKEN", config.agent().token());
    if (config.security().encryptionKey() != null) {
      env.put("CTRLPLANE_ENCRYPTION_KEY", config.security().encryptionKey());
    }
    return new RunnerProcess(name, pb.start(), log);
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String log() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** Waits until the log contains {@code text}; fails early if the process died. */
  public void awaitLog(String text, Duration timeout) {
    Await.until(
        timeout,
        name + " to log '" + text + "'",
        () -> {
          String out = log();
          if (out.contains(text)) {
            return true;
          }
          if (!process.isAlive()) {
            throw new Await.Hopeless(name + " exited with " + process.exitValue() + ":\n" + out);
          }
          return null;
        });
  }

  /** kill -9: no shutdown hook, no lease handed back. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** kill -STOP / -CONT: a runner frozen in place, as by a long GC pause, then thawed. */
  public void signal(String signal) throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-" + signal, String.valueOf(pid()))
        .inheritIO()
        .start()
        .waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy(); // SIGTERM: the runner hands its leases back
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
