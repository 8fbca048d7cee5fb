package io.ctrlplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.Main;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.TestStack;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** {@code ctrlplane strategies list|create|delete} against the embedded stack. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("ctrlplane strategies")
class StrategiesCliTest {
  private Map<String, String> env;

  @BeforeAll
  void start(AppConfig config) {
    env =
        Map.of(
            CliConfig.ENV_URL,
            "http://127.0.0.1:" + config.http().port(),
            CliConfig.ENV_KEY,
            TestStack.BOOTSTRAP_KEY);
  }

  private String[] cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Main.execute(
            args,
            env,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new String[] {
      String.valueOf(code),
      out.toString(StandardCharsets.UTF_8),
      err.toString(StandardCharsets.UTF_8)
    };
  }

  @Test
  @DisplayName("create, list and delete a template; a refused one exits non-zero naming the field")
  void createListDelete() {
    String[] created =
        cli(
            "strategies",
            "create",
            "cli-canary",
            "--strategy",
            "canary",
            "--param",
            "steps=[{\"set_weight\":50}]");
    assertThat(created[0]).as(created[2]).isEqualTo("0");
    assertThat(created[1]).contains("strategy template cli-canary created (canary)");
    String[] list = cli("strategies", "list");
    assertThat(list[0]).isEqualTo("0");
    assertThat(list[1].lines().toList().get(0)).startsWith("NAME").contains("STRATEGY");
    assertThat(list[1]).contains("cli-canary").contains("set_weight");
    String[] bad = cli("strategies", "create", "rolling", "--strategy", "rolling");
    assertThat(bad[0]).isEqualTo(String.valueOf(ExitCodes.REFUSED));
    assertThat(bad[2]).contains("name");
    String[] deleted = cli("strategies", "delete", "cli-canary");
    assertThat(deleted[0]).as(deleted[2]).isEqualTo("0");
    assertThat(cli("strategies", "list")[1]).doesNotContain("cli-canary");
  }
}
