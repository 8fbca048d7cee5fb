package io.ctrlplane.dev;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.Await;
import io.ctrlplane.testing.Deploys;
import io.ctrlplane.testing.TestStack;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code ctrlplane dev} end to end, as README's quick start runs it: a JVM of its own with embedded
 * PostgreSQL and Kafka under a data directory, an admin key made and kept in a file, data kept
 * across a restart, {@code --fresh} starting from nothing, and SIGTERM leaving no process (the
 * embedded database's included) and no port behind.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("The dev command")
class DevCommandTest {
  private static final Duration UP = Duration.ofSeconds(120);

  private final Path dir = Path.of("target", "dev-e2e-" + System.nanoTime()).toAbsolutePath();
  private final int httpPort = TestStack.freePort();
  private final int pgPort = TestStack.freePort();
  private final int kafkaPort = TestStack.freePort();

  /** One run of {@code ctrlplane dev}: its process, its output file, what it printed. */
  private final class Dev {
    final Process process;
    final Path log;

    Dev(String name, boolean fresh) throws IOException {
      log = Files.createDirectories(Path.of("target", "child-logs")).resolve(name + ".log");
      ProcessBuilder pb =
          new ProcessBuilder(
              fresh
                  ? List.of(
                      java(), "-Xmx384m", "-cp", classpath(), "io.ctrlplane.Main", "dev", "--fresh")
                  : List.of(java(), "-Xmx384m", "-cp", classpath(), "io.ctrlplane.Main", "dev"));
      pb.environment().keySet().removeIf(k -> k.startsWith("CTRLPLANE_"));
      pb.environment().put("CTRLPLANE_DEV_DATA_DIR", dir.toString());
      pb.environment().put("CTRLPLANE_DEV_PG_PORT", String.valueOf(pgPort));
      pb.environment().put("CTRLPLANE_DEV_KAFKA_PORT", String.valueOf(kafkaPort));
      pb.environment().put("CTRLPLANE_HTTP_PORT", String.valueOf(httpPort));
      pb.environment().put("CTRLPLANE_HTTP_HOST", "127.0.0.1");
      pb.environment().put("CTRLPLANE_DEV_ROLES", "api,runner,relay");
      pb.redirectErrorStream(true).redirectOutput(log.toFile());
      process = pb.start();
      Await.until(
          UP,
          "'Ctrl Plane is up' in " + log,
          () -> {
            if (!process.isAlive()) {
              throw new Await.Hopeless("dev exited with " + process.exitValue() + ", see " + log);
            }
            return output().contains("Ctrl Plane is up") ? true : null;
          });
    }

    String output() {
      try {
        return Files.readString(log);
      } catch (IOException e) {
        return "";
      }
    }

    /** The line after "Admin API key (...):". */
    String printedKey() {
      List<String> lines = output().lines().toList();
      for (int i = 0; i < lines.size() - 1; i++) {
        if (lines.get(i).contains("Admin API key (")) {
          return lines.get(i + 1).trim();
        }
      }
      throw new AssertionError("no admin key printed in " + log);
    }

    /** SIGTERM; it must exit by itself and leave no process of its own (PostgreSQL's) behind. */
    void terminate() throws Exception {
      // pg_ctl detaches PostgreSQL from the JVM: find it by its data directory on its command line
      List<ProcessHandle> ours =
          java.util.stream.Stream.concat(
                  process.descendants(),
                  ProcessHandle.allProcesses()
                      .filter(
                          p ->
                              p.pid() != process.pid()
                                  && p.info().commandLine().orElse("").contains(dir.toString())))
              .distinct()
              .toList();
      assertThat(ours)
          .as("the embedded PostgreSQL's processes, found by the data directory")
          .isNotEmpty();
      process.destroy();
      boolean exited = process.waitFor(60, TimeUnit.SECONDS);
      if (!exited) {
        process.destroyForcibly();
      }
      assertThat(exited).as("exited by itself after SIGTERM, see %s", log).isTrue();
      Await.until(
          Duration.ofSeconds(20),
          "no process of the dev command left",
          () -> ours.stream().noneMatch(ProcessHandle::isAlive) ? true : null);
      for (int port : List.of(httpPort, pgPort, kafkaPort)) {
        Await.until(
            Duration.ofSeconds(20), "port " + port + " free", () -> free(port) ? true : null);
      }
    }
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static String classpath() {
    return System.getProperty("java.class.path");
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port)) {
      s.setReuseAddress(true);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  @DisplayName(
      "makes and keeps an admin key file, keeps data across a restart, starts from nothing with "
          + "--fresh, and leaves no process or port behind on SIGTERM")
  void endToEnd(Vertx vertx) throws Exception {
    String key;
    String instance;
    Path keyFile = dir.resolve("admin-api-key");
    Dev first = new Dev("dev-e2e-1", false);
    try (ApiClient owner = new ApiClient(vertx, httpPort)) {
      key = first.printedKey();
      assertThat(first.output()).contains("created now").contains("data in " + dir);
      assertThat(Files.readString(keyFile).trim()).as("the key file").isEqualTo(key);
      assertThat(dir.resolve("encryption-key")).exists();
      ApiClient api = owner.as(key);
      Deploys deploys = new Deploys(api);
      instance = deploys.instance("dev-e2e", 0);
      deploys.awaitState(
          deploys.deploy(instance, "registry.example.com/acme/app:1", null), "succeeded");
      Await.until(
          Duration.ofSeconds(30),
          "/health/ready 200",
          () -> api.get("/health/ready").status() == 200 ? true : null);
    } finally {
      first.terminate();
    }

    Dev second = new Dev("dev-e2e-2", false);
    try (ApiClient owner = new ApiClient(vertx, httpPort)) {
      assertThat(second.printedKey()).as("the same key, reused").isEqualTo(key);
      assertThat(second.output()).contains("reused").doesNotContain("created now");
      ApiClient api = owner.as(key);
      ApiClient.Response kept = api.get("/v1/instances/" + instance);
      assertThat(kept.status()).as("data kept across the restart: " + kept.text()).isEqualTo(200);
      assertThat(kept.json().getJsonObject("current_release").getInteger("version")).isEqualTo(1);
    } finally {
      second.terminate();
    }

    Dev fresh = new Dev("dev-e2e-3", true);
    try (ApiClient owner = new ApiClient(vertx, httpPort)) {
      String newKey = fresh.printedKey();
      assertThat(fresh.output()).contains("(fresh)").contains("created now");
      assertThat(newKey).isNotEqualTo(key);
      assertThat(Files.readString(keyFile).trim()).isEqualTo(newKey);
      assertThat(owner.as(key).get("/v1/instances").status())
          .as("the old key is gone with the data")
          .isEqualTo(401);
      assertThat(owner.as(newKey).get("/v1/instances/" + instance).status())
          .as("the old instance is gone")
          .isEqualTo(404);
    } finally {
      fresh.terminate();
    }
  }
}
