package io.ctrlplane.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The CLI finds the API: flag, then environment, then config file, then the default")
class CliConfigTest {
  @TempDir Path dir;

  @Test
  @DisplayName("each source wins over the ones after it")
  void precedence() throws Exception {
    Path file = dir.resolve("cli.json");
    Files.writeString(file, "{\"api_url\": \"http://file:1\", \"api_key\": \"file-key\"}");
    Map<String, String> env =
        Map.of(CliConfig.ENV_URL, "http://env:2", CliConfig.ENV_KEY, "env-key");
    assertThat(CliConfig.resolve("http://flag:3/", "flag-key", file, env))
        .isEqualTo(new CliConfig("http://flag:3", "flag-key"));
    assertThat(CliConfig.resolve(null, null, file, env))
        .isEqualTo(new CliConfig("http://env:2", "env-key"));
    assertThat(CliConfig.resolve(null, null, file, Map.of()))
        .isEqualTo(new CliConfig("http://file:1", "file-key"));
    Path empty = dir.resolve("empty.json");
    Files.writeString(empty, "{}");
    assertThat(CliConfig.resolve(null, null, empty, Map.of()))
        .isEqualTo(new CliConfig(CliConfig.DEFAULT_URL, null));
  }

  @Test
  @DisplayName("a config file given with --cli-config must exist and be JSON")
  void badFile() throws Exception {
    assertThatThrownBy(() -> CliConfig.resolve(null, null, dir.resolve("nope.json"), Map.of()))
        .hasMessageContaining("does not exist");
    Path broken = dir.resolve("broken.json");
    Files.writeString(broken, "api_url = x");
    assertThatThrownBy(() -> CliConfig.resolve(null, null, broken, Map.of()))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("cannot read the CLI config");
  }

  @Test
  @DisplayName("the SSE parser reads events, multi-line data and comments")
  void sse() {
    SseParser p = new SseParser();
    assertThat(p.line("id: 7")).isNull();
    assertThat(p.line("event: deployment")).isNull();
    assertThat(p.line("data: {\"a\":1}")).isNull();
    assertThat(p.line("")).isEqualTo(new SseParser.Event("7", "deployment", "{\"a\":1}"));
    assertThat(p.line(": keep-alive").comment()).isTrue();
    p.line("data: x");
    p.line("data: y");
    assertThat(p.line("")).isEqualTo(new SseParser.Event("7", "message", "x\ny"));
  }
}
