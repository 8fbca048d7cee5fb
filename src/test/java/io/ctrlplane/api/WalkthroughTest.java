package io.ctrlplane.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.CtrlPlaneServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The curl walkthrough the README quotes, run as written against a real server: it must keep
 * working.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("docs/walkthrough.sh runs from start to end against a live server")
class WalkthroughTest {
  private AppConfig config;

  @BeforeAll
  void start(AppConfig config) {
    this.config = config;
  }

  @Test
  @DisplayName(
      "create, deploy, watch, list releases, roll back and cancel: exit 0 and the expected story")
  void walkthrough() throws IOException, InterruptedException {
    Path log = Files.createDirectories(Path.of("target", "child-logs")).resolve("walkthrough.log");
    ProcessBuilder builder =
        new ProcessBuilder("bash", "docs/walkthrough.sh")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().put("BASE_URL", "http://127.0.0.1:" + config.http().port());
    builder.environment().put("API_KEY", io.ctrlplane.testing.TestStack.BOOTSTRAP_KEY);
    Process process = builder.start();
    boolean ended = process.waitFor(120, TimeUnit.SECONDS);
    if (!ended) {
      process.destroyForcibly();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    System.out.println(output);
    assertThat(ended).as("finished within 2 minutes:%n%s", output).isTrue();
    assertThat(process.exitValue()).as("exit code; output:%n%s", output).isZero();
    List<String> lines = output.lines().toList();
    assertThat(lines)
        .anyMatch(
            l -> l.matches("created instance inst_\\w+ \\(demo-.*\\) at /v1/instances/inst_\\w+"));
    assertThat(lines).anyMatch(l -> l.matches("deployment dep_\\w+ succeeded"));
    assertThat(lines).anyMatch(l -> l.matches(" {4}running, rolling_out, step \\d+/\\d+: .*"));
    assertThat(lines)
        .anyMatch(l -> l.matches(" {4}succeeded, succeeded, step (\\d+)/\\1: v1 is live"));
    assertThat(lines)
        .containsSubsequence(
            "  v2 registry.example.com/acme/web:1.1.0", "  v1 registry.example.com/acme/web:1.0.0");
    assertThat(lines).anyMatch(l -> l.matches("rollback dep_\\w+ succeeded"));
    assertThat(lines).anyMatch(l -> l.matches("instance inst_\\w+ now runs v3"));
    assertThat(lines)
        .anyMatch(l -> l.matches("the deployment it replaced, dep_\\w+, is now rolled_back"));
    assertThat(lines)
        .anyMatch(l -> l.matches("deployment dep_\\w+ is running: pausing 300 s, .* left"));
    assertThat(lines)
        .anyMatch(l -> l.matches(" {4}cancelled, cancelled, step \\d+/\\d+: cancelled on request"));
    assertThat(lines).anyMatch(l -> l.matches("deployment dep_\\w+ cancelled"));
    assertThat(lines)
        .anyMatch(l -> l.matches("HTTP 409: deployment dep_\\w+ was already cancelled; .*"));
    assertThat(lines).last().isEqualTo("walkthrough complete");
  }
}
