package io.ctrlplane.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.strategy.json.ParamsJson;
import io.ctrlplane.strategy.json.PlanCodec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("Strategy plans")
class PlansTest {

  private static Plan plan(String strategy, int replicas, boolean hasPrevious, JsonObject params) {
    return Plans.of(strategy, replicas, hasPrevious, ParamsJson.toMap(params));
  }

  private static JsonObject json(String text) {
    return new JsonObject(text.replace('\'', '"'));
  }

  private static void assertEndsOnNewAtFullStrength(Plan plan, FleetModel model) {
    assertThat(model.weights).isEqualTo(Map.of(Side.NEW, 100));
    assertThat(model.ready.get(Side.NEW)).isEqualTo(plan.replicas());
  }

  @Nested
  @DisplayName("rolling")
  class Rolling {
    @ParameterizedTest(name = "{0} replicas, max_surge {1}, max_unavailable {2}")
    @CsvSource({
      "1, '25%', 0",
      "3, '25%', 0",
      "4, 1, 0",
      "4, 1, 1",
      "4, 0, 1",
      "5, 2, 2",
      "10, '25%', '25%'",
      "3, '100%', 0",
      "2, 1, '100%', ",
      "7, 3, 0",
      "1, 0, 1"
    })
    @DisplayName(
        "never drops ready serving capacity below replicas - max_unavailable, nor runs more than replicas + max_surge")
    void keepsTheBudget(int replicas, String surge, String unavailable) {
      JsonObject params =
          new JsonObject()
              .put("max_surge", value(surge))
              .put("max_unavailable", value(unavailable));
      Plan plan = plan("rolling", replicas, true, params);
      RollingParams.Budget budget =
          ((RollingParams) Strategies.normalize("rolling", ParamsJson.toMap(params)).params())
              .budget(replicas);

      FleetModel model = new FleetModel(replicas).apply(plan);

      assertThat(model.minServingAfterStart())
          .isGreaterThanOrEqualTo(replicas - budget.maxUnavailable());
      assertThat(model.maxRunning()).isLessThanOrEqualTo(replicas + budget.maxSurge());
      assertThat(model.running.get(Side.OLD)).isZero();
      assertEndsOnNewAtFullStrength(plan, model);
    }

    @Test
    @DisplayName(
        "replaces one replica at a time with the defaults (25% surge of 4 is 1, none unavailable)")
    void defaultsGoOneByOne() {
      Plan plan = plan("rolling", 4, true, null);
      List<String> described = plan.steps().stream().map(Step::describe).toList();
      assertThat(described)
          .containsExactly(
              "send traffic to every ready replica",
              "ensure 1 ready replica of new",
              "scale old down to 3",
              "ensure 2 ready replicas of new",
              "scale old down to 2",
              "ensure 3 ready replicas of new",
              "scale old down to 1",
              "ensure 4 ready replicas of new",
              "scale old down to 0",
              "set traffic new 100%",
              "stop every replica not of new");
    }

    @Test
    @DisplayName("waits min_ready_seconds on every new batch")
    void minReadySeconds() {
      Plan plan = plan("rolling", 3, true, json("{'min_ready_seconds': 5}"));
      assertThat(plan.steps())
          .filteredOn(s -> s instanceof Step.EnsureReady)
          .allSatisfy(s -> assertThat(((Step.EnsureReady) s).minReadySeconds()).isEqualTo(5));
    }

    @Test
    @DisplayName("has nothing a promote could skip")
    void notPromotable() {
      assertThat(plan("rolling", 3, true, null).finishFrom()).isEqualTo(Plan.NOT_PROMOTABLE);
    }

    private Object value(String text) {
      return text.endsWith("%") ? text : (Object) Integer.parseInt(text);
    }
  }

  @Nested
  @DisplayName("blue-green")
  class BlueGreen {
    @Test
    @DisplayName(
        "starts a full new set, waits for all of it, then switches 100% at once and keeps the old set for the delay")
    void switchesAtOnce() {
      Plan plan = plan("blue-green", 3, true, json("{'scale_down_delay_seconds': 10}"));
      assertThat(plan.steps())
          .containsExactly(
              new Step.SetTraffic(Map.of(Side.OLD, 100)),
              new Step.EnsureReady(Side.NEW, 3, 0),
              new Step.SetTraffic(Map.of(Side.NEW, 100)),
              new Step.ScaleDown(Side.OLD, 0, 10),
              new Step.StopOthers(Set.of(Side.NEW, Side.OLD)));
      FleetModel model = new FleetModel(3).apply(plan);
      assertThat(model.minServingAfterStart()).isEqualTo(3);
      assertThat(model.trafficChanges)
          .containsExactly(Map.of(Side.OLD, 100), Map.of(Side.NEW, 100));
      assertThat(model.running.get(Side.OLD))
          .as("old set kept for the rollback window")
          .isEqualTo(3);
    }

    @Test
    @DisplayName(
        "with auto_promote false waits for a promote before switching; a full promote still re-checks readiness")
    void waitsForPromote() {
      Plan plan =
          plan(
              "blue-green",
              2,
              true,
              json("{'auto_promote': false, 'scale_down_delay_seconds': 0}"));
      assertThat(plan.steps().get(2)).isEqualTo(new Step.Pause(null));
      assertThat(plan.finishFrom()).isEqualTo(3);
      assertThat(plan.steps().get(plan.finishFrom()))
          .isEqualTo(new Step.EnsureReady(Side.NEW, 2, 0));
      assertThat(plan.steps().get(plan.steps().size() - 1))
          .isEqualTo(new Step.StopOthers(Set.of(Side.NEW)));
      assertThat(new FleetModel(2).apply(plan).minServingAfterStart()).isEqualTo(2);
    }
  }

  @Nested
  @DisplayName("canary")
  class Canary {
    @Test
    @DisplayName(
        "sends traffic exactly as the steps say, with a canary set sized to the weight and the stable set kept whole")
    void trafficFollowsSteps() {
      Plan plan =
          plan(
              "canary",
              4,
              true,
              json(
                  "{'steps': [{'set_weight': 10}, {'pause': {'seconds': 5}},"
                      + "{'analysis': {'max_error_rate': 0.1, 'window_seconds': 3}}, {'set_weight': 60}, {'pause': {}}]}"));
      FleetModel model = new FleetModel(4).apply(plan);
      assertThat(model.trafficChanges)
          .containsExactly(
              Map.of(Side.OLD, 100),
              Map.of(Side.NEW, 10, Side.OLD, 90),
              Map.of(Side.NEW, 60, Side.OLD, 40),
              Map.of(Side.NEW, 100));
      assertThat(plan.steps())
          .contains(
              new Step.EnsureReady(Side.NEW, 1, 0),
              new Step.EnsureReady(Side.NEW, 3, 0),
              new Step.Pause(5),
              new Step.Analysis(0.1, 3),
              new Step.Pause(null));
      assertThat(model.minServingAfterStart()).isEqualTo(4);
      assertEndsOnNewAtFullStrength(plan, model);
      assertThat(model.running.get(Side.OLD)).isZero();
    }

    @Test
    @DisplayName(
        "a full promote jumps to the finishing steps: full new set, all traffic, old set stopped")
    void finishFrom() {
      Plan plan = plan("canary", 3, true, null);
      assertThat(plan.steps().subList(plan.finishFrom(), plan.steps().size()))
          .containsExactly(
              new Step.EnsureReady(Side.NEW, 3, 0), new Step.SetTraffic(Map.of(Side.NEW, 100)),
              new Step.ScaleDown(Side.OLD, 0, 0), new Step.StopOthers(Set.of(Side.NEW)));
      assertThat(plan.canSkipFrom(0)).isTrue();
      assertThat(plan.canSkipFrom(plan.finishFrom())).isFalse();
    }

    @Test
    @DisplayName("the default steps: 20%, pause, analysis, 50%, pause, 100%")
    void defaults() {
      Plan plan = plan("canary", 5, true, null);
      assertThat(new FleetModel(5).apply(plan).trafficChanges)
          .containsExactly(
              Map.of(Side.OLD, 100),
              Map.of(Side.NEW, 20, Side.OLD, 80),
              Map.of(Side.NEW, 50, Side.OLD, 50),
              Map.of(Side.NEW, 100),
              Map.of(Side.NEW, 100));
      assertThat(plan.steps()).contains(new Step.Analysis(0.05, 30));
    }

    @ParameterizedTest(name = "{0} replicas at {1}% -> {2}")
    @CsvSource({"1, 1, 1", "4, 10, 1", "4, 25, 1", "4, 26, 2", "10, 50, 5", "3, 100, 3"})
    void canaryReplicas(int replicas, int weight, int expected) {
      assertThat(CanaryStrategy.canaryReplicas(replicas, weight)).isEqualTo(expected);
    }
  }

  @Nested
  @DisplayName("recreate")
  class Recreate {
    @Test
    @DisplayName("stops the old set before starting the new one: a gap with nothing serving")
    void gap() {
      Plan plan = plan("recreate", 3, true, null);
      assertThat(plan.steps())
          .containsExactly(
              new Step.StopOthers(Set.of(Side.NEW)),
              new Step.SetTraffic(Map.of(Side.NEW, 100)),
              new Step.EnsureReady(Side.NEW, 3, 0));
      FleetModel model = new FleetModel(3).apply(plan);
      assertThat(model.minServingAfterStart()).isZero();
      assertThat(model.maxRunning()).isEqualTo(3);
      assertEndsOnNewAtFullStrength(plan, model);
    }
  }

  @Nested
  @DisplayName("every strategy")
  class Every {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"rolling", "blue-green", "canary", "recreate"})
    @DisplayName(
        "on a first deploy starts the full set, sends it all traffic, and has nothing to promote")
    void firstDeploy(String strategy) {
      Plan plan = plan(strategy, 3, false, null);
      assertThat(plan.steps())
          .containsExactly(
              new Step.SetTraffic(Map.of(Side.NEW, 100)),
              new Step.EnsureReady(Side.NEW, 3, 0),
              new Step.StopOthers(Set.of(Side.NEW)));
      assertThat(plan.finishFrom()).isEqualTo(Plan.NOT_PROMOTABLE);
      assertThat(plan.revert())
          .containsExactly(new Step.SetTraffic(Map.of()), new Step.StopOthers(Set.of()));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"rolling", "blue-green", "canary", "recreate"})
    @DisplayName(
        "reverts by restoring the old set at full strength before moving traffic back, then stopping the rest")
    void revert(String strategy) {
      Plan plan = plan(strategy, 4, true, null);
      assertThat(plan.revert())
          .containsExactly(
              new Step.EnsureReady(Side.OLD, 4, 0),
              new Step.SetTraffic(Map.of(Side.OLD, 100)),
              new Step.StopOthers(Set.of(Side.OLD)));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"rolling", "blue-green", "canary", "recreate"})
    @DisplayName("survives the JSON round trip through deployments.plan unchanged")
    void codec(String strategy) {
      for (boolean previous : new boolean[] {true, false}) {
        Plan plan = plan(strategy, 3, previous, null);
        JsonObject json = PlanCodec.toJson(plan);
        assertThat(PlanCodec.fromJson(new JsonObject(json.encode()))).isEqualTo(plan);
        assertThat(json.getJsonArray("steps").getJsonObject(0).getString("description"))
            .isNotBlank();
      }
    }
  }

  @Test
  @DisplayName("canary steps with only pauses still finish on the new release")
  void pausesOnly() {
    Plan plan =
        plan(
            "canary",
            2,
            true,
            new JsonObject().put("steps", new JsonArray().add(json("{'pause': {'seconds': 1}}"))));
    assertEndsOnNewAtFullStrength(plan, new FleetModel(2).apply(plan));
  }

  @Nested
  @DisplayName("restart")
  class Restart {
    @ParameterizedTest(name = "{0} replicas")
    @ValueSource(ints = {1, 2, 5})
    @DisplayName(
        "renews one replica at a time, each ready before an old one retires, and survives the JSON round trip")
    void oneAtATime(int replicas) {
      Plan plan = Plans.restart("rolling", replicas);
      List<Step> steps = plan.steps();
      assertThat(steps.get(0)).isEqualTo(new Step.SetTraffic(Map.of(Side.NEW, 100)));
      assertThat(steps).hasSize(1 + 2 * replicas);
      for (int k = 1; k <= replicas; k++) {
        assertThat(steps.get(2 * k - 1)).isEqualTo(new Step.Renew(k));
        assertThat(steps.get(2 * k)).isEqualTo(new Step.Retire(replicas - k));
      }
      assertThat(plan.revert()).isEmpty();
      assertThat(PlanCodec.fromJson(PlanCodec.toJson(plan))).isEqualTo(plan);
    }
  }
}
