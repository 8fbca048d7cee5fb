package io.ctrlplane.provider.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.deploy.ValidationException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("The simulator's provider_config")
class SimulatorConfigTest {

  @ParameterizedTest(name = "{0} on {1}: {2}")
  @CsvSource({
    "'*:bad*', registry.example.com/acme/app:bad-1, true",
    "'*:bad*', acme/app:good, false",
    "'*:nostart', acme/app:nostart, true",
    "'*:nostart', acme/app:nostart2, false",
    "'acme/*', acme/app:1, true",
    "'acme/app:?', acme/app:1, true",
    "'acme/app:?', acme/app:10, false",
    "'a.c/*', abc/x, false",
    "'*', anything/at:all, true"
  })
  @DisplayName("globs match the whole image reference, * across slashes and colons")
  void globs(String glob, String image, boolean matches) {
    assertThat(Glob.matches(glob, image)).isEqualTo(matches);
  }

  @Test
  @DisplayName(
      "the issue's example is valid; defaults are 200 ms to start and 300 ms to become ready")
  void example() {
    JsonObject cfg =
        new JsonObject(
            "{\"start_delay_ms\": 200, \"ready_delay_ms\": 300, \"faults\": ["
                + "{\"image\": \"*:bad*\", \"never_ready\": true}, {\"image\": \"*:nostart\", \"fail_start\": true},"
                + "{\"image\": \"*:crashy\", \"crash_after_seconds\": 2}, {\"image\": \"*:flaky\", \"error_rate\": 0.3}]}");
    SimulatorConfig.validate(cfg, "provider_config");
    SimulatorConfig read = SimulatorConfig.from(cfg);
    assertThat(read.faultFor("acme/app:crashy").crashAfterSeconds()).isEqualTo(2.0);
    assertThat(read.faultFor("acme/app:flaky").errorRate()).isEqualTo(0.3);
    assertThat(read.faultFor("acme/app:1")).isEqualTo(FaultRule.NONE);
    assertThat(SimulatorConfig.from(new JsonObject()))
        .isEqualTo(new SimulatorConfig(200, 300, java.util.List.of()));
  }

  @Test
  @DisplayName("the first matching rule wins")
  void firstMatchWins() {
    SimulatorConfig cfg =
        SimulatorConfig.from(
            new JsonObject()
                .put(
                    "faults",
                    new JsonArray()
                        .add(new JsonObject().put("image", "*:bad-special").put("fail_start", true))
                        .add(new JsonObject().put("image", "*:bad*").put("never_ready", true))));
    assertThat(cfg.faultFor("x:bad-special").failStart()).isTrue();
    assertThat(cfg.faultFor("x:bad-special").neverReady()).isFalse();
    assertThat(cfg.faultFor("x:bad-other").neverReady()).isTrue();
  }

  @Test
  @DisplayName("reports every problem with its path")
  void problems() {
    JsonObject cfg =
        new JsonObject()
            .put("start_delay_ms", 1.5)
            .put("ready_delay_ms", 4_000_000)
            .put(
                "faults",
                new JsonArray()
                    .add("not a rule")
                    .add(new JsonObject().put("image", "").put("never_ready", "yes"))
                    .add(
                        new JsonObject()
                            .put("image", "*")
                            .put("crash_after_seconds", 0)
                            .put("color", "red")));
    ValidationException e =
        catchThrowableOfType(
            ValidationException.class, () -> SimulatorConfig.validate(cfg, "provider_config"));
    assertThat(e.errors())
        .extracting(FieldError::field)
        .containsExactlyInAnyOrder(
            "provider_config.start_delay_ms",
            "provider_config.ready_delay_ms",
            "provider_config.faults[0]",
            "provider_config.faults[1].image",
            "provider_config.faults[1].never_ready",
            "provider_config.faults[2].color",
            "provider_config.faults[2].crash_after_seconds");
  }
}
