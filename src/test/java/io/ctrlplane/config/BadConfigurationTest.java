package io.ctrlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.Main;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.TestStack;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

// no roles: each test runs `serve` itself, on the class's database and topic
@CtrlPlaneServer(roles = "")
@DisplayName("Bad configuration exits non-zero with one clear line naming the setting to change")
class BadConfigurationTest {
  private static AppConfig config;

  @BeforeAll
  static void settings(AppConfig settings) {
    config = settings;
  }

  /** Runs `ctrlplane serve` in-process and returns the exit code and what it printed on stderr. */
  private record Outcome(int exitCode, String stderr) {}

  private Outcome serve(Map<String, String> env, String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] argv = new String[args.length + 1];
    argv[0] = "serve";
    System.arraycopy(args, 0, argv, 1, args.length);
    int code = Main.execute(argv, env, new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Outcome(code, err.toString(StandardCharsets.UTF_8));
  }

  private static Map<String, String> workingEnv() {
    Map<String, String> env = new HashMap<>();
    env.put("CTRLPLANE_PG_URL", config.postgres().url());
    env.put("CTRLPLANE_PG_USER", config.postgres().user());
    env.put("CTRLPLANE_PG_PASSWORD", config.postgres().password());
    env.put("CTRLPLANE_KAFKA_BOOTSTRAP_SERVERS", config.kafka().bootstrapServers());
    env.put("CTRLPLANE_KAFKA_TOPIC", config.kafka().topic());
    env.put("CTRLPLANE_KAFKA_STARTUP_TIMEOUT_MS", "3000");
    env.put("CTRLPLANE_HTTP_HOST", "127.0.0.1");
    env.put("CTRLPLANE_HTTP_PORT", String.valueOf(TestStack.freePort()));
    return env;
  }

  private static void assertOneLine(Outcome outcome, String... fragments) {
    assertThat(outcome.exitCode()).isEqualTo(Main.EXIT_CONFIG);
    assertThat(outcome.stderr().strip().lines()).hasSize(1);
    assertThat(outcome.stderr()).startsWith("ctrlplane: ");
    for (String fragment : fragments) {
      assertThat(outcome.stderr()).contains(fragment);
    }
  }

  @Test
  @DisplayName("an unknown role names the role and CTRLPLANE_ROLES")
  void unknownRole() {
    assertOneLine(
        serve(workingEnv(), "--roles", "api,chef"), "unknown role 'chef'", "CTRLPLANE_ROLES");
  }

  @Test
  @DisplayName("a malformed config file names the file")
  void malformedConfigFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("broken.json");
    Files.writeString(file, "{ \"http\": { \"port\": 80 ");
    assertOneLine(
        serve(workingEnv(), "--config", file.toString()), "broken.json", "not valid JSON");
  }

  @Test
  @DisplayName("a missing config file named explicitly is reported")
  void missingConfigFile(@TempDir Path dir) {
    assertOneLine(
        serve(workingEnv(), "--config", dir.resolve("nope.json").toString()), "does not exist");
  }

  @Test
  @DisplayName("a port that is not a number names the variable")
  void nonNumericPort() {
    Map<String, String> env = workingEnv();
    env.put("CTRLPLANE_HTTP_PORT", "eighty");
    assertOneLine(serve(env), "CTRLPLANE_HTTP_PORT", "not a whole number");
  }

  @Test
  @DisplayName("an unreachable PostgreSQL names the address and CTRLPLANE_PG_URL")
  void unreachablePostgres() {
    Map<String, String> env = workingEnv();
    env.put("CTRLPLANE_PG_URL", "postgresql://127.0.0.1:" + TestStack.freePort() + "/ctrlplane");
    assertOneLine(serve(env), "cannot reach PostgreSQL", "CTRLPLANE_PG_URL");
  }

  @Test
  @DisplayName("an unreachable Kafka names the address and CTRLPLANE_KAFKA_BOOTSTRAP_SERVERS")
  void unreachableKafka() {
    Map<String, String> env = workingEnv();
    env.put("CTRLPLANE_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + TestStack.freePort());
    assertOneLine(serve(env), "cannot reach Kafka", "CTRLPLANE_KAFKA_BOOTSTRAP_SERVERS");
  }

  @Test
  @DisplayName("an HTTP port in use names the port and CTRLPLANE_HTTP_PORT")
  void portInUse() throws Exception {
    try (ServerSocket taken =
        new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
      Map<String, String> env = workingEnv();
      env.put("CTRLPLANE_HTTP_PORT", String.valueOf(taken.getLocalPort()));
      assertOneLine(serve(env, "--roles", "api"), "already in use", "CTRLPLANE_HTTP_PORT");
    }
  }

  @Test
  @DisplayName(
      "an agent asked to listen beyond loopback without agent.token refuses to start, naming CTRLPLANE_AGENT_TOKEN")
  void agentBeyondLoopbackNeedsToken() {
    Map<String, String> env = workingEnv();
    env.put("CTRLPLANE_AGENT_HOST", "0.0.0.0");
    env.put("CTRLPLANE_AGENT_PORT", "0");
    env.put("CTRLPLANE_AGENT_DATA_DIR", "target/agents/no-token");
    assertOneLine(
        serve(env, "--roles", "agent"), "beyond loopback without a token", "CTRLPLANE_AGENT_TOKEN");
  }
}
