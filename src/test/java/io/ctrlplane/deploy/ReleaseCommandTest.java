package io.ctrlplane.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctrlplane.strategy.HookSteps;
import io.ctrlplane.strategy.Plan;
import io.ctrlplane.strategy.Plans;
import io.ctrlplane.strategy.Step;
import io.ctrlplane.strategy.json.PlanCodec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Release command (release phase)")
class ReleaseCommandTest {
  @Test
  @DisplayName("renders the placeholders of one release")
  void renders() {
    List<String> argv =
        ReleaseCommand.parse(
            List.of("./migrate", "{image}", "--to={version}", "{repository}:{tag}", "{release_id}"),
            "release_command");
    assertThat(ReleaseCommand.render(argv, "ghcr.io/acme/web:2.1", "rel_1", 7))
        .containsExactly("./migrate", "ghcr.io/acme/web:2.1", "--to=7", "acme/web:2.1", "rel_1");
  }

  @Test
  @DisplayName("refuses what is not an argv template, naming the argument")
  void refuses() {
    assertThat(ReleaseCommand.parse(null, "release_command")).isNull();
    assertThatThrownBy(() -> ReleaseCommand.parse(List.of(), "release_command"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("release_command");
    assertThatThrownBy(() -> ReleaseCommand.parse("migrate", "release_command"))
        .isInstanceOf(ValidationException.class);
    ValidationException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ValidationException.class,
            () -> ReleaseCommand.parse(List.of("x", "{port}", "a{b"), "release_command"));
    assertThat(e.errors().stream().map(FieldError::field))
        .containsExactly("release_command[1]", "release_command[2]");
    assertThat(ReleaseCommand.timeout(null, "t")).isEqualTo(300);
    assertThat(ReleaseCommand.timeout(60, "t")).isEqualTo(60);
    assertThatThrownBy(() -> ReleaseCommand.timeout(0, "release_timeout_seconds"))
        .isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> ReleaseCommand.timeout(1.5, "release_timeout_seconds"))
        .isInstanceOf(ValidationException.class);
  }

  @Test
  @DisplayName(
      "the release_phase step comes first, survives the JSON round trip, and blocks a promote")
  void step() {
    Plan plan = HookSteps.withReleasePhase(Plans.of("canary", 2, true, Map.of()));
    assertThat(plan.steps().get(0)).isEqualTo(new Step.ReleasePhase());
    assertThat(PlanCodec.fromJson(PlanCodec.toJson(plan)).steps()).isEqualTo(plan.steps());
    assertThat(plan.canSkipFrom(0)).isFalse();
  }
}
