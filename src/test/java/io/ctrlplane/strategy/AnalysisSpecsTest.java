package io.ctrlplane.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.deploy.ValidationException;
import io.ctrlplane.strategy.json.ParamsJson;
import io.ctrlplane.strategy.json.PlanCodec;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("An analysis spec")
class AnalysisSpecsTest {
  private static final String P = "strategy_params.steps[0].analysis";

  private static JsonObject canary(String analysis) {
    return new JsonObject(("{'steps':[{'analysis':" + analysis + "}]}").replace('\'', '"'));
  }

  private static List<FieldError> errors(String analysis) {
    ValidationException e =
        catchThrowableOfType(
            ValidationException.class, () -> ParamsJson.normalize("canary", canary(analysis)));
    assertThat(e).as("expected a ValidationException").isNotNull();
    return e.errors();
  }

  @Test
  @DisplayName("reads the full form into typed metrics, with defaults, and survives a stored plan")
  void fullForm() {
    JsonObject normalized =
        ParamsJson.normalize(
            "canary",
            canary(
                "{'min_requests':20,'metrics':[{'name':'errors','error_rate':{'max':0.05},"
                    + "'interval_seconds':5,'count':3,'failure_limit':1,'inconclusive_limit':1},"
                    + "{'name':'slower','latency_p99_ms':{'max_ratio':1.5}},"
                    + "{'name':'prom','provider':'prometheus','prometheus':{'address':'http://127.0.0.1:9090',"
                    + "'query':'up{instance=\\\"{{instance}}\\\"}'},'value':{'min':1}}]}"));
    JsonObject analysis =
        normalized.getJsonArray("steps").getJsonObject(0).getJsonObject("analysis");
    assertThat(analysis.getInteger("min_requests")).isEqualTo(20);
    JsonObject slower = analysis.getJsonArray("metrics").getJsonObject(1);
    assertThat(slower.getString("provider")).isEqualTo("builtin");
    assertThat(slower.getInteger("interval_seconds")).isEqualTo(10);
    assertThat(slower.getInteger("count")).isEqualTo(1);
    assertThat(slower.getJsonObject("latency_p99_ms").getDouble("max_ratio")).isEqualTo(1.5);

    Plan plan = Plans.of("canary", 2, true, ParamsJson.toMap(normalized));
    Step.Analysis step =
        (Step.Analysis)
            plan.steps().stream().filter(s -> s instanceof Step.Analysis).findFirst().orElseThrow();
    AnalysisSpec spec = step.spec();
    assertThat(spec.shorthand()).isFalse();
    assertThat(spec.metrics().get(0).condition())
        .isEqualTo(new Condition(Condition.Measure.ERROR_RATE, Condition.Bound.MAX, 0.05));
    assertThat(spec.metrics().get(1).condition().baseline()).isTrue();
    assertThat(spec.metrics().get(2).source()).containsKeys("address", "query");
    assertThat(PlanCodec.stepFromJson(PlanCodec.toJson(step))).isEqualTo(step);
  }

  @Test
  @DisplayName("keeps the shorthand as one error-rate metric with its old normalized form")
  void shorthand() {
    Step.Analysis step = new Step.Analysis(0.1, 3);
    assertThat(step.spec().metrics()).hasSize(1);
    assertThat(step.spec().minRequests()).isEqualTo(1);
    assertThat(step.spec().toMap()).containsOnlyKeys("max_error_rate", "window_seconds");
    assertThat(PlanCodec.toJson(step).containsKey("metrics")).isFalse();
    assertThat(PlanCodec.stepFromJson(PlanCodec.toJson(step))).isEqualTo(step);
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{'metrics':[]}|.metrics|must be an array of 1 to 10 metrics",
        "{'min_requests':0,'metrics':[{'name':'e','error_rate':{'max':0.1}}]}|.min_requests|between 1 and",
        "{'metrics':[{'error_rate':{'max':0.1}}]}|.metrics[0].name|is required",
        "{'metrics':[{'name':'e'}]}|.metrics[0]|exactly one condition",
        "{'metrics':[{'name':'e','error_rate':{'max':0.1},'latency_p99_ms':{'max':5}}]}|.metrics[0]|exactly one condition",
        "{'metrics':[{'name':'e','error_rate':{'min':0.1}}]}|.metrics[0].error_rate.min|unknown bound; known: max, max_delta",
        "{'metrics':[{'name':'e','error_rate':{'max':2}}]}|.metrics[0].error_rate.max|between 0 and 1",
        "{'metrics':[{'name':'e','value':{'max':2}}]}|.metrics[0].value|is not a condition of provider builtin",
        "{'metrics':[{'name':'e','provider':'prometheus','value':{'max':2}}]}|.metrics[0].prometheus|is required",
        "{'metrics':[{'name':'e','provider':'web','web':{'url':'ftp://x','json_path':'$.a'},'value':{'max':2}}]}|.metrics[0].web.url|http:// or https://",
        "{'metrics':[{'name':'e','provider':'statsd','value':{'max':2}}]}|.metrics[0].provider|builtin, prometheus or web",
        "{'metrics':[{'name':'e','error_rate':{'max':0.1},'count':2,'inconclusive_limit':2}]}|.metrics[0].inconclusive_limit|lower than count",
        "{'metrics':[{'name':'e','error_rate':{'max':0.1}},{'name':'e','requests_per_second':{'min':1}}]}|.metrics[1].name|earlier metric",
        "{'metrics':[{'name':'e','error_rate':{'max':0.1},'window':3}]}|.metrics[0].window|unknown metric setting"
      })
  @DisplayName("reports each problem at its path")
  void problems(String analysis, String field, String message) {
    assertThat(errors(analysis))
        .anySatisfy(
            e -> {
              assertThat(e.field()).isEqualTo(P + field);
              assertThat(e.message()).contains(message);
            });
  }

  @Test
  @DisplayName(
      "a canary's bake measures new at 100 % while old is still at full strength, then old scales down")
  void bakePlan() {
    JsonObject params = canary("{'max_error_rate':0.05,'window_seconds':2}").put("bake_seconds", 6);
    Plan plan =
        Plans.of("canary", 3, true, ParamsJson.toMap(ParamsJson.normalize("canary", params)));
    List<Step> steps = plan.steps();
    int bake = steps.size() - 3;
    assertThat(steps.get(bake - 1)).isEqualTo(new Step.SetTraffic(java.util.Map.of(Side.NEW, 100)));
    Step.Analysis analysis = (Step.Analysis) steps.get(bake);
    assertThat(analysis.spec().metrics())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.name()).isEqualTo("bake:error_rate");
              assertThat(m.count()).isEqualTo(3);
            });
    assertThat(steps.get(bake + 1)).isEqualTo(new Step.ScaleDown(Side.OLD, 0, 0));
    assertThat(plan.revert().get(0)).isEqualTo(new Step.EnsureReady(Side.OLD, 3, 0));
  }

  @Test
  @DisplayName("a bake without anything to measure is refused")
  void bakeNeedsAnalysis() {
    JsonObject params = new JsonObject("{\"steps\":[{\"set_weight\":50}],\"bake_seconds\":10}");
    ValidationException e =
        catchThrowableOfType(
            ValidationException.class, () -> ParamsJson.normalize("canary", params));
    assertThat(e.errors())
        .anySatisfy(
            f -> {
              assertThat(f.field()).isEqualTo("strategy_params.bake_seconds");
              assertThat(f.message()).contains("needs an analysis");
            });
  }

  @Test
  @DisplayName("prometheus takes an optional sample_query, web an optional sample_path")
  void sampleSources() {
    JsonObject normalized =
        ParamsJson.normalize(
            "canary",
            canary(
                "{'min_requests':50,'metrics':[{'name':'p','provider':'prometheus','prometheus':"
                    + "{'address':'http://127.0.0.1:9090','query':'q','sample_query':'n'},'value':{'max':1}},"
                    + "{'name':'w','provider':'web','web':{'url':'http://127.0.0.1:1/s',"
                    + "'json_path':'$.v','sample_path':'$.n'},'value':{'max':1}}]}"));
    Plan plan = Plans.of("canary", 2, true, ParamsJson.toMap(normalized));
    Step.Analysis step =
        (Step.Analysis)
            plan.steps().stream().filter(s -> s instanceof Step.Analysis).findFirst().orElseThrow();
    Step.Analysis stored = (Step.Analysis) PlanCodec.stepFromJson(PlanCodec.toJson(step));
    assertThat(stored.spec().metrics().get(0).source()).containsEntry("sample_query", "n");
    assertThat(stored.spec().metrics().get(1).source()).containsEntry("sample_path", "$.n");
    assertThat(
            errors(
                "{'metrics':[{'name':'w','provider':'web','web':{'url':'http://x/','json_path':'$.v',"
                    + "'sample_query':'n'},'value':{'max':1}}]}"))
        .anySatisfy(e -> assertThat(e.message()).contains("unknown web setting"));
  }
}
