package io.ctrlplane.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctrlplane.strategy.json.ParamsJson;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("Strategy params are typed records, read from plain maps")
class TypedParamsTest {

  @Test
  @DisplayName("canary's default steps are typed steps")
  void canaryDefaults() {
    assertThat(Strategies.normalize("canary", Map.of()).params())
        .isEqualTo(
            new CanaryParams(
                List.of(
                    new CanaryStep.SetWeight(20),
                    new CanaryStep.Pause(30),
                    new CanaryStep.Analysis(0.05, 30),
                    new CanaryStep.SetWeight(50),
                    new CanaryStep.Pause(30),
                    new CanaryStep.SetWeight(100))));
  }

  @Test
  @DisplayName("blue-green and rolling read Java maps into their records")
  void records() {
    assertThat(Strategies.normalize("blue-green", Map.of("auto_promote", false)).params())
        .isEqualTo(new BlueGreenParams(30, false));
    NormalizedParams rolling =
        Strategies.normalize("rolling", Map.of("max_surge", 2L, "progress_deadline_seconds", 60));
    assertThat(rolling.params()).isEqualTo(new RollingParams(2, 0, 0));
    assertThat(rolling.progressDeadlineSeconds()).isEqualTo(60);
    assertThat(rolling.toMap().keySet())
        .as("the strategy's own params in order, then the common one")
        .containsExactly(
            "max_surge", "max_unavailable", "min_ready_seconds", "progress_deadline_seconds");
  }

  @Test
  @DisplayName("a rolling record cannot hold a value the gate would not have produced")
  void rollingRecordChecksItsValues() {
    assertThatThrownBy(() -> new RollingParams("25", 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RollingParams(1, -1, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"rolling", "blue-green", "canary", "recreate"})
  @DisplayName("each strategy reads its own normalized form back unchanged")
  void readsItsOwnOutput(String strategy) {
    NormalizedParams once = Strategies.normalize(strategy, Map.of());
    assertThat(Strategies.normalize(strategy, once.toMap())).isEqualTo(once);
  }

  @Test
  @DisplayName("the JSON edge turns nested objects and arrays into a detached plain tree and back")
  void jsonEdge() {
    JsonObject json =
        new JsonObject("{\"steps\":[{\"pause\":{}},{\"set_weight\":5}],\"x\":null,\"y\":1.5}");
    Map<String, Object> tree = ParamsJson.toMap(json);
    assertThat(tree.get("steps")).isInstanceOf(List.class);
    assertThat(((List<?>) tree.get("steps")).get(0)).isEqualTo(Map.of("pause", Map.of()));
    assertThat(ParamsJson.toJson(tree)).isEqualTo(json);
    tree.clear();
    assertThat(json.fieldNames()).as("the JSON is left alone").hasSize(3);
    assertThat(ParamsJson.toMap(null)).isEmpty();
  }
}
