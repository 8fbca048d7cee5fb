package io.ctrlplane.testing;

import io.ctrlplane.config.AppConfig;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code ctrlplane serve --roles ...} as a separate JVM on the test classpath, configured only
 * through the environment variables of config/EnvOverrides, so a test can kill it with SIGKILL
 * mid-work. Its output goes to target/child-logs/&lt;name&gt;.log.
 */
public final class ChildProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private ChildProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  public static ChildProcess serve(
      String name, String roles, AppConfig config, Map<String, String> extraEnv) {
    return serve(name, roles, config, extraEnv, List.of());
  }

  /**
   * The same with {@code extraClasspath} (e.g. a plugin jar) before the test classpath, the way an
   * operator adds a jar to a deployment.
   */
  public static ChildProcess serve(
      String name,
      String roles,
      AppConfig config,
      Map<String, String> extraEnv,
      List<Path> extraClasspath) {
    List<String> classpath = new ArrayList<>();
    extraClasspath.forEach(p -> classpath.add(p.toAbsolutePath().toString()));
    classpath.add(System.getProperty("java.class.path"));
    Map<String, String> env = new HashMap<>();
    env.put("CTRLPLANE_PG_URL", config.postgres().url());
    env.put("CTRLPLANE_PG_USER", config.postgres().user());
    env.put("CTRLPLANE_PG_PASSWORD", config.postgres().password());
    env.put("CTRLPLANE_PG_POOL_SIZE", "4");
    env.put("CTRLPLANE_KAFKA_BOOTSTRAP_SERVERS", config.kafka().bootstrapServers());
    env.put("CTRLPLANE_KAFKA_TOPIC", config.kafka().topic());
    env.put("CTRLPLANE_KAFKA_TOPIC_PARTITIONS", String.valueOf(config.kafka().topicPartitions()));
    env.put("CTRLPLANE_KAFKA_REPLICATION_FACTOR", "1");
    env.put("CTRLPLANE_HTTP_PORT", String.valueOf(TestStack.freePort()));
    env.put("CTRLPLANE_HTTP_HOST", "127.0.0.1");
    env.put("CTRLPLANE_RELAY_POLL_MS", String.valueOf(config.relay().pollMs()));
    env.put("CTRLPLANE_API_RATE_LIMIT_ENABLED", String.valueOf(config.api().rateLimit().enabled()));
    env.putAll(extraEnv);
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder builder =
        new ProcessBuilder(
            List.of(
                java.toString(),
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                String.join(File.pathSeparator, classpath),
                "io.ctrlplane.Main",
                "serve",
                "--roles",
                roles));
    builder.environment().keySet().removeIf(k -> k.startsWith("CTRLPLANE_"));
    builder.environment().putAll(env);
    builder.redirectErrorStream(true);
    try {
      Path log = Files.createDirectories(Path.of("target", "child-logs")).resolve(name + ".log");
      builder.redirectOutput(log.toFile());
      return new ChildProcess(builder.start(), log);
    } catch (IOException e) {
      throw new IllegalStateException("could not start " + name + ": " + e, e);
    }
  }

  /** Waits until the process printed {@code text} (e.g. its "is up" line). */
  public ChildProcess awaitOutput(String text, Duration timeout) {
    Await.until(
        timeout,
        "'" + text + "' in " + log,
        () -> {
          if (!process.isAlive()) {
            throw new Await.Hopeless("child exited with " + process.exitValue() + ", see " + log);
          }
          return output().contains(text) ? true : null;
        });
    return this;
  }

  public String output() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "";
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** kill -9: no shutdown hook, no graceful stop, connections dropped as they are. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited within {@code timeout}: a graceful stop. */
  public void terminate(Duration timeout) {
    process.destroy();
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public long pid() {
    return process.pid();
  }

  /** The exit status; only once it has exited. */
  public int exitValue() {
    return process.exitValue();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
  }
}
