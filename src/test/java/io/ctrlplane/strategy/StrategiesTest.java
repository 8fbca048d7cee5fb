package io.ctrlplane.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.deploy.ValidationException;
import io.ctrlplane.strategy.json.ParamsJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class StrategiesTest {

  private static final String DEFAULT_CANARY_STEPS =
      "[{'set_weight':20},{'pause':{'seconds':30}},"
          + "{'analysis':{'max_error_rate':0.05,'window_seconds':30}},{'set_weight':50},"
          + "{'pause':{'seconds':30}},{'set_weight':100}]";

  /** JSON with ' for " so the tables stay readable. */
  private static JsonObject json(String text) {
    return new JsonObject(text.replace('\'', '"'));
  }

  private static List<FieldError> errorsFor(String strategy, JsonObject params) {
    ValidationException e =
        catchThrowableOfType(
            ValidationException.class, () -> ParamsJson.normalize(strategy, params));
    assertThat(e).as("expected a ValidationException").isNotNull();
    return e.errors();
  }

  // ---- defaults ----

  static Stream<Arguments> defaults() {
    return Stream.of(
        arguments(
            "rolling",
            "{'max_surge':'25%','max_unavailable':0,'min_ready_seconds':0,"
                + "'progress_deadline_seconds':600}"),
        arguments(
            "blue-green",
            "{'scale_down_delay_seconds':30,'auto_promote':true,"
                + "'progress_deadline_seconds':600}"),
        arguments(
            "canary", "{'steps':" + DEFAULT_CANARY_STEPS + ",'progress_deadline_seconds':600}"),
        arguments("recreate", "{'progress_deadline_seconds':600}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("defaults")
  void fillsEveryDefault(String strategy, String expected) {
    assertThat(ParamsJson.normalize(strategy, null)).isEqualTo(json(expected));
    assertThat(ParamsJson.normalize(strategy, new JsonObject())).isEqualTo(json(expected));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("defaults")
  void jsonNullMeansDefault(String strategy, String expected) {
    JsonObject allNull = new JsonObject();
    json(expected).fieldNames().forEach(allNull::putNull);
    assertThat(ParamsJson.normalize(strategy, allNull)).isEqualTo(json(expected));
  }

  @Test
  void defaultsAreNotSharedBetweenCalls() {
    ParamsJson.normalize("canary", null).getJsonArray("steps").clear();
    assertThat(ParamsJson.normalize("canary", null).getJsonArray("steps")).hasSize(6);
  }

  // ---- valid forms ----

  static Stream<Arguments> validForms() {
    return Stream.of(
        arguments(
            "rolling",
            "{'max_surge':1,'max_unavailable':'0%'}",
            "{'max_surge':1,'max_unavailable':'0%','min_ready_seconds':0,'progress_deadline_seconds':600}"),
        arguments(
            "rolling",
            "{'max_surge':0,'max_unavailable':'100%','min_ready_seconds':3600}",
            "{'max_surge':0,'max_unavailable':'100%','min_ready_seconds':3600,'progress_deadline_seconds':600}"),
        arguments(
            "rolling",
            "{'max_surge':'0%','max_unavailable':1}",
            "{'max_surge':'0%','max_unavailable':1,'min_ready_seconds':0,'progress_deadline_seconds':600}"),
        // JSON does not distinguish 2 from 2.0; integral floats are whole numbers and come out as
        // ints.
        arguments(
            "rolling",
            "{'max_surge':2.0,'progress_deadline_seconds':1.0}",
            "{'max_surge':2,'max_unavailable':0,'min_ready_seconds':0,'progress_deadline_seconds':1}"),
        arguments(
            "rolling",
            "{'max_surge':'5%','progress_deadline_seconds':86400}",
            "{'max_surge':'5%','max_unavailable':0,'min_ready_seconds':0,'progress_deadline_seconds':86400}"),
        arguments(
            "blue-green",
            "{'scale_down_delay_seconds':0,'auto_promote':false}",
            "{'scale_down_delay_seconds':0,'auto_promote':false,'progress_deadline_seconds':600}"),
        arguments(
            "blue-green",
            "{'scale_down_delay_seconds':86400}",
            "{'scale_down_delay_seconds':86400,'auto_promote':true,'progress_deadline_seconds':600}"),
        arguments(
            "canary",
            "{'steps':[{'set_weight':100}]}",
            "{'steps':[{'set_weight':100}],'progress_deadline_seconds':600}"),
        // Ending below 100 is allowed: the runner promotes to 100% after the last step.
        arguments(
            "canary",
            "{'steps':[{'set_weight':1},{'set_weight':1},{'pause':{}}]}",
            "{'steps':[{'set_weight':1},{'set_weight':1},{'pause':{}}],'progress_deadline_seconds':600}"),
        arguments(
            "canary",
            "{'steps':[{'pause':{'seconds':86400}},{'pause':{'seconds':null}}]}",
            "{'steps':[{'pause':{'seconds':86400}},{'pause':{}}],'progress_deadline_seconds':600}"),
        arguments(
            "canary",
            "{'steps':[{'analysis':{'max_error_rate':0,'window_seconds':1}},"
                + "{'analysis':{'max_error_rate':1,'window_seconds':3600}}]}",
            "{'steps':[{'analysis':{'max_error_rate':0.0,'window_seconds':1}},"
                + "{'analysis':{'max_error_rate':1.0,'window_seconds':3600}}],'progress_deadline_seconds':600}"),
        arguments(
            "recreate", "{'progress_deadline_seconds':1}", "{'progress_deadline_seconds':1}"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("validForms")
  void acceptsAndNormalizes(String strategy, String params, String expected) {
    JsonObject input = json(params);
    JsonObject before = input.copy();

    JsonObject normalized = ParamsJson.normalize(strategy, input);

    assertThat(normalized).isEqualTo(json(expected));
    assertThat(input).as("input is left alone").isEqualTo(before);
    assertThat(ParamsJson.normalize(strategy, normalized)).as("idempotent").isEqualTo(normalized);
  }

  @Test
  void acceptsParamsBuiltFromJavaMapsAndLists() {
    JsonObject params = new JsonObject(Map.of("steps", List.of(Map.of("set_weight", 10L))));
    assertThat(ParamsJson.normalize("canary", params).getJsonArray("steps"))
        .isEqualTo(new JsonArray().add(new JsonObject().put("set_weight", 10)));
  }

  // ---- invalid cases: one row per rule, asserting the exact paths and part of the message ----

  static Stream<Arguments> invalid() {
    String p = "strategy_params.";
    return Stream.of(
        // common
        bad(
            "recreate",
            "{'progress_deadline_seconds':0}",
            "between 1 and 86400",
            p + "progress_deadline_seconds"),
        bad(
            "canary",
            "{'progress_deadline_seconds':86401}",
            "between 1 and 86400",
            p + "progress_deadline_seconds"),
        bad(
            "recreate",
            "{'progress_deadline_seconds':'600'}",
            "must be a whole number, not a string",
            p + "progress_deadline_seconds"),
        bad(
            "recreate",
            "{'progress_deadline_seconds':1.5}",
            "must be a whole number (got 1.5)",
            p + "progress_deadline_seconds"),
        bad(
            "recreate",
            "{'progress_deadline_seconds':1e30}",
            "between 1 and 86400",
            p + "progress_deadline_seconds"),
        bad(
            "recreate",
            "{'max_surge':1}",
            "unknown parameter for strategy recreate; known: bake_seconds, bake_analysis, "
                + "progress_deadline_seconds",
            p + "max_surge"),
        // rolling
        bad(
            "rolling",
            "{'maxSurge':1}",
            "unknown parameter for strategy rolling; known: max_surge, "
                + "max_unavailable, min_ready_seconds, background_analysis, bake_seconds, "
                + "bake_analysis, progress_deadline_seconds",
            p + "maxSurge"),
        bad("rolling", "{'max_surge':-1}", "(got -1)", p + "max_surge"),
        bad("rolling", "{'max_surge':1.5}", "(got 1.5)", p + "max_surge"),
        bad("rolling", "{'max_surge':'101%'}", "(got '101%')", p + "max_surge"),
        bad(
            "rolling",
            "{'max_surge':'25'}",
            "a percentage from \"0%\" to \"100%\"",
            p + "max_surge"),
        bad("rolling", "{'max_surge':'05%'}", "(got '05%')", p + "max_surge"),
        bad("rolling", "{'max_surge':' 5%'}", "(got ' 5%')", p + "max_surge"),
        bad("rolling", "{'max_surge':true}", "(got a boolean)", p + "max_surge"),
        bad("rolling", "{'max_unavailable':'-1%'}", "(got '-1%')", p + "max_unavailable"),
        bad("rolling", "{'max_unavailable':[1]}", "(got an array)", p + "max_unavailable"),
        bad("rolling", "{'max_unavailable':3000000000}", "(got 3000000000)", p + "max_unavailable"),
        bad(
            "rolling",
            "{'max_surge':0}",
            "max_surge and max_unavailable cannot both be 0",
            "strategy_params"),
        bad(
            "rolling",
            "{'max_surge':'0%','max_unavailable':'0%'}",
            "cannot both be 0",
            "strategy_params"),
        bad(
            "rolling",
            "{'max_surge':0.0,'max_unavailable':0}",
            "cannot both be 0",
            "strategy_params"),
        bad("rolling", "{'min_ready_seconds':3601}", "between 0 and 3600", p + "min_ready_seconds"),
        bad("rolling", "{'min_ready_seconds':-1}", "between 0 and 3600", p + "min_ready_seconds"),
        // blue-green
        bad(
            "blue-green",
            "{'scale_down_delay_seconds':-1}",
            "between 0 and 86400",
            p + "scale_down_delay_seconds"),
        bad(
            "blue-green",
            "{'scale_down_delay_seconds':{}}",
            "not an object",
            p + "scale_down_delay_seconds"),
        bad(
            "blue-green",
            "{'auto_promote':'false'}",
            "must be true or false, not a string",
            p + "auto_promote"),
        bad(
            "blue-green",
            "{'auto_promote':1}",
            "must be true or false, not a number",
            p + "auto_promote"),
        bad("blue-green", "{'steps':[]}", "unknown parameter for strategy blue-green", p + "steps"),
        // canary: the list
        bad("canary", "{'steps':{}}", "must be an array of steps, not an object", p + "steps"),
        bad("canary", "{'steps':[]}", "at least one step", p + "steps"),
        bad("canary", "{'steps':" + weights(51) + "}", "at most 50 steps (got 51)", p + "steps"),
        // canary: step shape
        bad("canary", "{'steps':[{'set_weight':10},'pause']}", "not a string", p + "steps[1]"),
        bad("canary", "{'steps':[null]}", "not null", p + "steps[0]"),
        bad(
            "canary",
            "{'steps':[{}]}",
            "exactly one key, set_weight, pause, analysis or approval (got none)",
            p + "steps[0]"),
        bad(
            "canary",
            "{'steps':[{'set_weight':10,'pause':{}}]}",
            "(got set_weight, pause)",
            p + "steps[0]"),
        bad(
            "canary",
            "{'steps':[{'setWeight':10}]}",
            "unknown step type",
            p + "steps[0].setWeight"),
        // canary: set_weight
        bad(
            "canary",
            "{'steps':[{'set_weight':0}]}",
            "between 1 and 100",
            p + "steps[0].set_weight"),
        bad(
            "canary",
            "{'steps':[{'set_weight':101}]}",
            "between 1 and 100",
            p + "steps[0].set_weight"),
        bad(
            "canary",
            "{'steps':[{'set_weight':'50%'}]}",
            "must be a whole number, not a string",
            p + "steps[0].set_weight"),
        bad(
            "canary",
            "{'steps':[{'set_weight':null}]}",
            "must be a whole number, not null",
            p + "steps[0].set_weight"),
        bad(
            "canary",
            "{'steps':[{'set_weight':50},{'pause':{}},{'set_weight':20}]}",
            "lower than an earlier set_weight (50 at steps[0])",
            p + "steps[2].set_weight"),
        // each step below the highest earlier weight is reported, not only the first drop
        bad(
            "canary",
            "{'steps':[{'set_weight':50},{'set_weight':20},{'set_weight':30},{'set_weight':60}]}",
            "(50 at steps[0])",
            p + "steps[1].set_weight",
            p + "steps[2].set_weight"),
        // canary: pause
        bad("canary", "{'steps':[{'pause':30}]}", "must be an object", p + "steps[0].pause"),
        bad("canary", "{'steps':[{'pause':null}]}", "not null", p + "steps[0].pause"),
        bad(
            "canary",
            "{'steps':[{'pause':{'seconds':0}}]}",
            "between 1 and 86400",
            p + "steps[0].pause.seconds"),
        bad(
            "canary",
            "{'steps':[{'pause':{'minutes':1}}]}",
            "unknown pause setting; known: seconds",
            p + "steps[0].pause.minutes"),
        // canary: analysis
        bad(
            "canary",
            "{'steps':[{'analysis':{}}]}",
            "is required",
            p + "steps[0].analysis.max_error_rate",
            p + "steps[0].analysis.window_seconds"),
        bad(
            "canary",
            "{'steps':[{'analysis':{'max_error_rate':0.1}}]}",
            "is required",
            p + "steps[0].analysis.window_seconds"),
        bad(
            "canary",
            "{'steps':[{'analysis':{'max_error_rate':1.5,'window_seconds':30}}]}",
            "between 0 and 1 (got 1.5)",
            p + "steps[0].analysis.max_error_rate"),
        bad(
            "canary",
            "{'steps':[{'analysis':{'max_error_rate':-0.1,'window_seconds':30}}]}",
            "between 0 and 1",
            p + "steps[0].analysis.max_error_rate"),
        bad(
            "canary",
            "{'steps':[{'analysis':{'max_error_rate':'5%','window_seconds':30}}]}",
            "must be a number, not a string",
            p + "steps[0].analysis.max_error_rate"),
        bad(
            "canary",
            "{'steps':[{'analysis':{'max_error_rate':0.1,'window_seconds':3601}}]}",
            "between 1 and 3600",
            p + "steps[0].analysis.window_seconds"),
        bad(
            "canary",
            "{'steps':[{'analysis':{'max_error_rate':0.1,'window_seconds':30,'metric':'x'}}]}",
            "unknown analysis setting; known: max_error_rate, window_seconds",
            p + "steps[0].analysis.metric"),
        bad("canary", "{'steps':[{'analysis':[]}]}", "not an array", p + "steps[0].analysis"));
  }

  private static Arguments bad(
      String strategy, String params, String messagePart, String... fields) {
    return arguments(strategy, params, messagePart, List.of(fields));
  }

  private static String weights(int count) {
    return Stream.generate(() -> "{'set_weight':100}")
        .limit(count)
        .collect(Collectors.joining(",", "[", "]"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("invalid")
  void rejectsWithExactFieldPaths(
      String strategy, String params, String messagePart, List<String> fields) {
    List<FieldError> errors = errorsFor(strategy, json(params));

    assertThat(errors).extracting(FieldError::field).containsExactlyElementsOf(fields);
    assertThat(errors)
        .extracting(FieldError::message)
        .allSatisfy(m -> assertThat(m).contains(messagePart));
  }

  @Test
  void reportsEveryProblemAtOnce() {
    JsonObject params =
        json(
            "{'max_surge':'lots','max_unavailable':-2,'min_ready_seconds':'10',"
                + "'progress_deadline_seconds':0,'surge':1}");

    assertThat(errorsFor("rolling", params))
        .extracting(FieldError::field)
        .containsExactly(
            "strategy_params.surge",
            "strategy_params.max_surge",
            "strategy_params.max_unavailable",
            "strategy_params.min_ready_seconds",
            "strategy_params.progress_deadline_seconds");
  }

  @Test
  void reportsProblemsInSeveralStepsAtOnce() {
    JsonObject params =
        json(
            "{'steps':[{'set_weight':30},{'pause':{'seconds':-5}},"
                + "{'analysis':{'max_error_rate':2}},{'set_weight':10},{'wait':1}],'progress_deadline_seconds':true}");

    assertThat(errorsFor("canary", params))
        .containsExactly(
            new FieldError(
                "strategy_params.steps[1].pause.seconds", "must be between 1 and 86400 (got -5)"),
            new FieldError(
                "strategy_params.steps[2].analysis.max_error_rate",
                "must be between 0 and 1 (got 2)"),
            new FieldError("strategy_params.steps[2].analysis.window_seconds", "is required"),
            new FieldError(
                "strategy_params.steps[3].set_weight",
                "must not be lower than an earlier set_weight (30 at steps[0]): traffic to the canary only grows"),
            new FieldError(
                "strategy_params.steps[4].wait",
                "unknown step type; expected set_weight, pause, analysis or approval"),
            new FieldError(
                "strategy_params.progress_deadline_seconds",
                "must be a whole number, not a boolean"));
  }

  // ---- strategy names ----

  @Test
  void rejectsUnknownStrategyOnTheStrategyField() {
    assertThat(errorsFor("Rolling", json("{'max_surge':-1}")))
        .containsExactly(
            new FieldError(
                "strategy",
                "unknown strategy 'Rolling': expected one of rolling, blue-green, canary, recreate"));
    assertThat(errorsFor(null, null))
        .containsExactly(
            new FieldError(
                "strategy", "is required: expected one of rolling, blue-green, canary, recreate"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"rolling", "blue-green", "canary", "recreate"})
  void knowsEveryName(String name) {
    assertThat(Strategies.isKnown(name)).isTrue();
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"", "x", "Rolling", "blue_green", " canary"})
  void knowsNoOtherName(String name) {
    assertThat(Strategies.isKnown(name)).isFalse();
  }

  // ---- resolving surge and unavailable to instance counts ----

  @ParameterizedTest(name = "{0} of {1} replicas, roundUp={2} -> {3}")
  @CsvSource({
    "25%,  1, true,  1",
    "25%,  1, false, 0",
    "25%,  3, true,  1",
    "25%,  3, false, 0",
    "25%,  4, true,  1",
    "25%,  4, false, 1",
    "25%, 10, true,  3",
    "25%, 10, false, 2",
    "100%, 1, true,  1",
    "100%, 3, false, 3",
    "100%, 4, true,  4",
    "100%, 10, false, 10",
    "0%,  10, true,  0",
    "25%,  0, true,  0",
  })
  void resolvesPercentages(String value, int replicas, boolean roundUp, int expected) {
    assertThat(RollingParams.resolve(value, replicas, roundUp)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} of {1} replicas, roundUp={2} -> {0}")
  @CsvSource({
    "0, 1, true",
    "0, 3, false",
    "0, 4, true",
    "0, 10, false",
    "2, 1, true",
    "7, 10, false"
  })
  void wholeNumbersResolveToThemselves(int value, int replicas, boolean roundUp) {
    assertThat(RollingParams.resolve(value, replicas, roundUp)).isEqualTo(value);
  }

  static Stream<Arguments> budgets() {
    return Stream.of(
        // defaults: 25% surge rounded up, nothing unavailable
        arguments("{}", 1, 1, 0),
        arguments("{}", 3, 1, 0),
        arguments("{}", 4, 1, 0),
        arguments("{}", 10, 3, 0),
        // 25% unavailable rounds down to 0 on 1 or 3 replicas, so the 0% surge is raised to 1
        arguments("{'max_surge':'0%','max_unavailable':'25%'}", 1, 1, 0),
        arguments("{'max_surge':'0%','max_unavailable':'25%'}", 3, 1, 0),
        arguments("{'max_surge':'0%','max_unavailable':'25%'}", 4, 0, 1),
        arguments("{'max_surge':'0%','max_unavailable':'25%'}", 10, 0, 2),
        arguments("{'max_surge':0,'max_unavailable':'100%'}", 4, 0, 4),
        // more unavailable than exist is capped at the replica count
        arguments("{'max_surge':0,'max_unavailable':5}", 3, 0, 3),
        arguments("{'max_surge':'100%','max_unavailable':0}", 10, 10, 0));
  }

  @ParameterizedTest(name = "{0} on {1} replicas -> surge {2}, unavailable {3}")
  @MethodSource("budgets")
  void budgetAlwaysAllowsProgress(String params, int replicas, int surge, int unavailable) {
    RollingParams normalized =
        (RollingParams) Strategies.normalize("rolling", ParamsJson.toMap(json(params))).params();
    assertThat(normalized.budget(replicas)).isEqualTo(new RollingParams.Budget(surge, unavailable));
  }

  @Test
  void resolveRejectsValuesThatWereNotNormalized() {
    assertThatThrownBy(() -> RollingParams.resolve("25", 4, true))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RollingParams.resolve(-1, 4, true))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RollingParams.resolve(null, 4, true))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RollingParams.resolve(1, -1, true))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
