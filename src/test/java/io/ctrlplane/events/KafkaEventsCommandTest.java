package io.ctrlplane.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.Main;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.testing.ApiClient;
import io.ctrlplane.testing.CtrlPlaneServer;
import io.ctrlplane.testing.Deploys;
import io.ctrlplane.testing.Sql;
import io.ctrlplane.testing.TestStack;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CtrlPlaneServer
@DisplayName("`ctrlplane events`")
class KafkaEventsCommandTest {
  private static final String TIME = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z";

  private AppConfig config;
  private String otherId;
  private String appId;
  private long appEvents;
  private long otherEvents;

  @BeforeAll
  void start(AppConfig config, ApiClient api, Sql sql) {
    this.config = config;
    Deploys deploys = new Deploys(api);
    String app =
        appId =
            deploys.instance(
                "cli-app",
                new JsonObject()
                    .put("start_delay_ms", 0)
                    .put("ready_delay_ms", 0)
                    .put(
                        "faults",
                        new JsonArray()
                            .add(new JsonObject().put("image", "*:bad").put("fail_start", true))));
    deploys.awaitState(deploys.deploy(app, "registry.example.com/acme/app:1", null), "succeeded");
    deploys.awaitState(deploys.deploy(app, "registry.example.com/acme/app:bad", null), "failed");
    otherId = deploys.instance("cli-other", 0);
    deploys.awaitState(
        deploys.deploy(otherId, "registry.example.com/acme/other:1", null), "succeeded");
    // every event, deploy.progressed included: how many the CLI must print before it exits
    appEvents = sql.count("SELECT count(*) FROM outbox WHERE instance_id = $1", appId);
    otherEvents = sql.count("SELECT count(*) FROM outbox WHERE instance_id = $1", otherId);
  }

  /** The lifecycle lines: how many progress events a rollout has is the strategy's business. */
  private static List<String> lifecycle(List<String> lines) {
    return lines.stream().filter(l -> !l.contains("deploy.progressed")).toList();
  }

  @Test
  @DisplayName("prints one line per event of the instance asked for, from the beginning")
  void tailsOneInstance() throws Exception {
    List<String> all =
        run(
            Map.of(),
            "kafka-events",
            "--from-beginning",
            "--instance",
            "cli-app",
            "--max-events",
            String.valueOf(appEvents),
            "--bootstrap-servers",
            TestStack.get().kafkaBootstrap(),
            "--topic",
            config.kafka().topic());
    assertThat(all).hasSize((int) appEvents);
    List<String> lines = lifecycle(all);

    assertThat(lines).hasSize(6);
    assertThat(lines.get(0)).matches(TIME + "  cli-app\\s+v1\\s+deploy\\.queued\\s+pending");
    assertThat(lines.get(1)).matches(TIME + "  cli-app\\s+v1\\s+deploy\\.started\\s+running");
    assertThat(lines.get(2)).matches(TIME + "  cli-app\\s+v1\\s+deploy\\.succeeded\\s+succeeded");
    assertThat(lines.get(3)).matches(TIME + "  cli-app\\s+v2\\s+deploy\\.queued\\s+pending");
    assertThat(lines.get(4)).matches(TIME + "  cli-app\\s+v2\\s+deploy\\.started\\s+running");
    assertThat(lines.get(5))
        .matches(
            TIME
                + "  cli-app\\s+v2\\s+deploy\\.failed\\s+failed\\s+error: replica rep_\\w+ "
                + "of v2 failed to start.*");
  }

  @Test
  @DisplayName("takes the broker and topic from the environment and filters by instance id")
  void fromEnvironment() throws Exception {
    List<String> lines =
        lifecycle(
            run(
                Map.of(
                    "CTRLPLANE_KAFKA_BOOTSTRAP_SERVERS",
                    TestStack.get().kafkaBootstrap(),
                    "CTRLPLANE_KAFKA_TOPIC",
                    config.kafka().topic()),
                "kafka-events",
                "--from-beginning",
                "--instance",
                otherId,
                "--max-events",
                String.valueOf(otherEvents)));

    assertThat(lines).hasSize(3).allSatisfy(l -> assertThat(l).contains("cli-other"));
    assertThat(lines.get(2)).contains("deploy.succeeded");
  }

  private static List<String> run(Map<String, String> env, String... args) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        CompletableFuture.supplyAsync(
                () ->
                    Main.execute(
                        args,
                        env,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8)))
            .get(60, TimeUnit.SECONDS);
    assertThat(code).as("exit code; stderr: %s", err.toString(StandardCharsets.UTF_8)).isZero();
    return out.toString(StandardCharsets.UTF_8).lines().toList();
  }
}
