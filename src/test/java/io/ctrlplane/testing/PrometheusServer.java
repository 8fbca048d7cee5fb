package io.ctrlplane.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Prometheus (Debian's {@code /usr/bin/prometheus}) as a plain child process on 127.0.0.1,
 * scraping the given targets' {@code /metrics} every second (honor_labels, so the series keep their
 * own {@code instance} label), with its data under target/. Missing binary: the calling test is
 * skipped with a hint, except in CI (CI=true), where it fails.
 */
public final class PrometheusServer implements AutoCloseable {
  public static final Path BINARY = Path.of("/usr/bin/prometheus");
  private final Process process;
  private final int port;

  private PrometheusServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Skips (or in CI fails) the test when Prometheus is not installed. */
  public static void assumeInstalled() {
    boolean installed = Files.isExecutable(BINARY);
    if (!installed && !"true".equals(System.getenv("CI"))) {
      Assumptions.abort("prometheus is not installed: apt-get install prometheus (.ci/run does)");
    }
    assertThat(installed).as("prometheus installed (.ci/run installs it)").isTrue();
  }

  /** Starts Prometheus scraping {@code host:port} targets at 1 s and waits until it is ready. */
  public static PrometheusServer scraping(String name, String... targets) throws IOException {
    return scrapingJobs(name, Map.of("agents", List.of(targets)));
  }

  /** The same, with one scrape job per entry ({@code job name -> host:port targets}). */
  public static PrometheusServer scrapingJobs(String name, Map<String, List<String>> jobs)
      throws IOException {
    assumeInstalled();
    Path dir = Path.of("target", "prometheus", name + "-" + System.nanoTime()).toAbsolutePath();
    Files.createDirectories(dir);
    StringBuilder yaml =
        new StringBuilder("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n");
    yaml.append("scrape_configs:\n");
    for (Map.Entry<String, List<String>> job : new TreeMap<>(jobs).entrySet()) {
      StringBuilder list = new StringBuilder();
      for (String t : job.getValue()) {
        list.append(list.length() == 0 ? "" : ", ").append('\'').append(t).append('\'');
      }
      yaml.append("  - job_name: ").append(job.getKey()).append("\n    metrics_path: /metrics\n");
      // the agents' own instance label (the ctrlplane instance id) wins over the target's
      yaml.append("    honor_labels: true\n");
      yaml.append("    static_configs:\n      - targets: [").append(list).append("]\n");
    }
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, yaml.toString());
    int port = TestStack.freePort();
    Process p =
        new ProcessBuilder(
                BINARY.toString(),
                "--config.file=" + config,
                "--web.listen-address=127.0.0.1:" + port,
                "--storage.tsdb.path=" + dir.resolve("data"))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    PrometheusServer server = new PrometheusServer(p, port);
    Await.until(Duration.ofSeconds(30), "prometheus ready", () -> server.ready() ? true : null);
    return server;
  }

  public String address() {
    return "http://127.0.0.1:" + port;
  }

  private boolean ready() {
    if (!process.isAlive()) {
      throw new IllegalStateException("prometheus exited with " + process.exitValue());
    }
    return get("/-/ready").startsWith("Prometheus");
  }

  /** A GET on its HTTP API; "" when it does not answer. */
  public String get(String pathAndQuery) {
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(address() + pathAndQuery))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : "";
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
