package io.ctrlplane.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ctrlplane.analysis.Tally;
import io.ctrlplane.deploy.ValidationException;
import io.ctrlplane.strategy.json.ParamsJson;
import io.ctrlplane.strategy.json.PlanCodec;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Where pre/post-promotion, background and bake analyses sit in each strategy's plan. */
@DisplayName("Analyses beside a strategy's steps")
class GuardPlansTest {
  private static final String ERRORS =
      "{'min_requests':10,'metrics':[{'name':'errors','error_rate':{'max':0.05},'interval_seconds':2}]}";
  private static final String VS_STABLE =
      "{'metrics':[{'name':'vs','error_rate':{'max_delta':0.01}}]}";

  private static Plan plan(String strategy, int replicas, String params) {
    JsonObject json = new JsonObject(params.replace('\'', '"'));
    return Plans.of(
        strategy, replicas, true, ParamsJson.toMap(ParamsJson.normalize(strategy, json)));
  }

  private static List<String> types(Plan plan) {
    return plan.steps().stream().map(Step::type).toList();
  }

  private static ValidationException refused(String strategy, String params) {
    return catchThrowableOfType(
        ValidationException.class,
        () -> ParamsJson.normalize(strategy, new JsonObject(params.replace('\'', '"'))));
  }

  @Test
  @DisplayName(
      "blue-green: pre-promotion before the switch, post-promotion and the bake after it, old still up")
  void blueGreen() {
    Plan plan =
        plan(
            "blue-green",
            3,
            "{'pre_promotion_analysis':"
                + ERRORS
                + ",'post_promotion_analysis':"
                + ERRORS
                + ",'bake_seconds':6}");
    assertThat(plan.steps())
        .containsExactly(
            new Step.SetTraffic(Map.of(Side.OLD, 100)),
            new Step.EnsureReady(Side.NEW, 3, 0),
            plan.steps().get(2),
            new Step.SetTraffic(Map.of(Side.NEW, 100)),
            plan.steps().get(4),
            plan.steps().get(5),
            new Step.ScaleDown(Side.OLD, 0, 30),
            new Step.StopOthers(Set.of(Side.NEW, Side.OLD)));
    assertThat(((Step.Analysis) plan.steps().get(2)).spec().metrics().get(0).name())
        .isEqualTo("errors");
    assertThat(((Step.Analysis) plan.steps().get(4)).spec().metrics().get(0).name())
        .isEqualTo("errors");
    Step.Analysis bake = (Step.Analysis) plan.steps().get(5);
    assertThat(bake.spec().metrics().get(0).name()).isEqualTo("bake:errors");
    assertThat(bake.spec().metrics().get(0).count()).isEqualTo(3);
    // a failure after the switch reverts: old is still ready, so this is a switch back
    assertThat(plan.revert().get(0)).isEqualTo(new Step.EnsureReady(Side.OLD, 3, 0));
    assertThat(plan.revert().get(1)).isEqualTo(new Step.SetTraffic(Map.of(Side.OLD, 100)));
  }

  @Test
  @DisplayName("blue-green without auto_promote: the pre-promotion analysis comes before the pause")
  void blueGreenManual() {
    Plan plan =
        plan("blue-green", 2, "{'auto_promote':false,'pre_promotion_analysis':" + ERRORS + "}");
    assertThat(types(plan))
        .containsExactly(
            "set_traffic",
            "ensure_ready",
            "analysis",
            "pause",
            "ensure_ready",
            "set_traffic",
            "scale_down",
            "stop_others");
    assertThat(plan.finishFrom()).isEqualTo(4);
  }

  @Test
  @DisplayName(
      "rolling with a bake stops no old replica before the bake, then measures new at 100 %")
  void rollingBake() {
    Plan plan =
        plan("rolling", 3, "{'max_surge':1,'bake_seconds':4,'bake_analysis':" + ERRORS + "}");
    assertThat(types(plan))
        .containsExactly(
            "set_traffic",
            "ensure_ready",
            "ensure_ready",
            "ensure_ready",
            "set_traffic",
            "analysis",
            "scale_down",
            "stop_others");
    assertThat(plan.steps().get(3)).isEqualTo(new Step.EnsureReady(Side.NEW, 3, 0));
    assertThat(plan.steps().get(4)).isEqualTo(new Step.SetTraffic(Map.of(Side.NEW, 100)));
    assertThat(plan.steps().get(6)).isEqualTo(new Step.ScaleDown(Side.OLD, 0, 0));
    assertThat(((Step.Analysis) plan.steps().get(5)).spec().metrics().get(0).count()).isEqualTo(2);
  }

  @Test
  @DisplayName(
      "rolling: a background analysis starts after the first new replica is ready, unbounded, and survives storage")
  void rollingBackground() {
    Plan plan = plan("rolling", 2, "{'max_surge':1,'background_analysis':" + ERRORS + "}");
    assertThat(plan.steps().get(1)).isEqualTo(new Step.EnsureReady(Side.NEW, 1, 0));
    assertThat(plan.background().from()).isEqualTo(2);
    assertThat(plan.backgroundStep()).isEqualTo(plan.steps().size());
    assertThat(plan.background().spec().metrics())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.name()).isEqualTo("background:errors");
              assertThat(m.count()).isEqualTo(AnalysisSpec.BACKGROUND_COUNT);
            });
    assertThat(PlanCodec.fromJson(PlanCodec.toJson(plan))).isEqualTo(plan);
    // the bake falls back on the background analysis
    Plan baked = plan("rolling", 2, "{'background_analysis':" + ERRORS + ",'bake_seconds':2}");
    assertThat(baked.steps())
        .anySatisfy(
            s ->
                assertThat(s)
                    .isInstanceOfSatisfying(
                        Step.Analysis.class,
                        a ->
                            assertThat(a.spec().metrics().get(0).name()).isEqualTo("bake:errors")));
  }

  @Test
  @DisplayName("canary: a background analysis starts once the canary takes traffic")
  void canaryBackground() {
    Plan plan =
        plan(
            "canary",
            4,
            "{'steps':[{'pause':{'seconds':1}},{'set_weight':25},{'pause':{}}],'background_analysis':"
                + ERRORS
                + "}");
    assertThat(types(plan).subList(0, 5))
        .containsExactly("set_traffic", "pause", "ensure_ready", "set_traffic", "pause");
    assertThat(plan.background().from()).isEqualTo(4);
  }

  @Test
  @DisplayName("a first deploy has no old release to guard against: no background analysis")
  void firstDeployHasNone() {
    JsonObject json = new JsonObject(("{'background_analysis':" + ERRORS + "}").replace('\'', '"'));
    Plan plan =
        Plans.of("rolling", 2, false, ParamsJson.toMap(ParamsJson.normalize("rolling", json)));
    assertThat(plan.background()).isNull();
  }

  @Test
  @DisplayName("recreate bakes at the end, and needs bake_analysis for it")
  void recreateBake() {
    Plan plan = plan("recreate", 2, "{'bake_seconds':2,'bake_analysis':" + ERRORS + "}");
    assertThat(types(plan))
        .containsExactly("stop_others", "set_traffic", "ensure_ready", "analysis");
    assertThat(refused("recreate", "{'bake_seconds':2}").errors())
        .anySatisfy(
            e -> {
              assertThat(e.field()).isEqualTo("strategy_params.bake_seconds");
              assertThat(e.message()).contains("needs an analysis to run during the bake");
            });
  }

  @Test
  @DisplayName("a bake of nothing but baseline comparisons is refused: old serves nothing then")
  void bakeOfBaselinesRefused() {
    assertThat(
            refused("blue-green", "{'post_promotion_analysis':" + VS_STABLE + ",'bake_seconds':5}")
                .errors())
        .anySatisfy(e -> assertThat(e.message()).contains("without a baseline comparison"));
  }

  @Test
  @DisplayName("a background measurement is due an interval after the last one, or after the start")
  void backgroundDue() {
    MetricSpec m =
        plan("rolling", 2, "{'background_analysis':" + ERRORS + "}")
            .background()
            .spec()
            .metrics()
            .get(0);
    Instant now = Instant.parse("2026-12-08T04:00:00Z");
    assertThat(Tally.dueAgain(m, null, 1_000, now)).isFalse();
    assertThat(Tally.dueAgain(m, null, 2_000, now)).isTrue();
    assertThat(Tally.dueAgain(m, now.minusMillis(1_500), 60_000, now)).isFalse();
    assertThat(Tally.dueAgain(m, now.minusMillis(1_960), 60_000, now))
        .as("a tick up to 50 ms early still measures")
        .isTrue();
  }

  @Test
  @DisplayName(
      "a background metric never ends successful on its own; failure_limit and inconclusive_limit count over the whole rollout")
  void backgroundTally() {
    MetricSpec m =
        plan(
                "rolling",
                2,
                "{'background_analysis':{'metrics':[{'name':'e','error_rate':{'max':0.05},"
                    + "'count':2,'failure_limit':1,'inconclusive_limit':1}]}}")
            .background()
            .spec()
            .metrics()
            .get(0);
    List<io.ctrlplane.analysis.Verdict> ok =
        java.util.Collections.nCopies(500, io.ctrlplane.analysis.Verdict.SUCCESSFUL);
    assertThat(Tally.of(ok).phase(m))
        .as("500 successes: still measuring (count no longer bounds it)")
        .isEqualTo(Tally.Phase.RUNNING);
    List<io.ctrlplane.analysis.Verdict> twoFailures = new java.util.ArrayList<>(ok);
    twoFailures.add(io.ctrlplane.analysis.Verdict.FAILED);
    assertThat(Tally.of(twoFailures).phase(m)).isEqualTo(Tally.Phase.RUNNING);
    twoFailures.add(io.ctrlplane.analysis.Verdict.FAILED);
    assertThat(Tally.of(twoFailures).phase(m)).isEqualTo(Tally.Phase.FAILED);
    List<io.ctrlplane.analysis.Verdict> unsure = new java.util.ArrayList<>(ok);
    unsure.add(io.ctrlplane.analysis.Verdict.INCONCLUSIVE);
    unsure.add(io.ctrlplane.analysis.Verdict.INCONCLUSIVE);
    assertThat(Tally.of(unsure).phase(m)).isEqualTo(Tally.Phase.INCONCLUSIVE);
  }
}
