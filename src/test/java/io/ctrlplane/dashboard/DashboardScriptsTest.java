package io.ctrlplane.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's own JavaScript units (the SSE parser) under Node's test runner: no browser, no
 * server. Skipped without node, except in CI (CI=true), where .ci/run makes sure it is installed.
 */
@DisplayName("The dashboard's JavaScript units")
class DashboardScriptsTest {

  @Test
  @DisplayName("the SSE parser handles split chunks, CRLF, comments, multi-line data and retry")
  void sseParser() throws Exception {
    boolean hasNode = BrowserScript.missingTools().stream().noneMatch(m -> m.startsWith("node"));
    if (!hasNode && !"true".equals(System.getenv("CI"))) {
      Assumptions.abort(
          "node is not installed (apt-get install -y nodejs): dashboard script tests skipped");
    }
    Process node =
        new ProcessBuilder("node", "--test", "sse-parser.test.mjs")
            .directory(BrowserScript.DIR.toFile())
            .redirectErrorStream(true)
            .start();
    assertThat(node.waitFor(60, TimeUnit.SECONDS)).as("node --test finished within 60 s").isTrue();
    String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(node.exitValue()).as(output).isZero();
    assertThat(output).contains("# pass 6", "# fail 0");
  }
}
