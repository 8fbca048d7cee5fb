package io.ctrlplane.analysis;

import static io.ctrlplane.analysis.Verdict.FAILED;
import static io.ctrlplane.analysis.Verdict.INCONCLUSIVE;
import static io.ctrlplane.analysis.Verdict.SUCCESSFUL;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.provider.TrafficSample;
import io.ctrlplane.strategy.Condition;
import io.ctrlplane.strategy.Condition.Bound;
import io.ctrlplane.strategy.Condition.Measure;
import io.ctrlplane.strategy.MetricSpec;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("Analysis verdicts, on plain values")
class VerdictsTest {
  static final Condition ERRORS_MAX_5 = new Condition(Measure.ERROR_RATE, Bound.MAX, 0.05);
  static final Condition P99_MAX_300 = new Condition(Measure.LATENCY_P99_MS, Bound.MAX, 300);
  static final Condition RPS_MIN_2 = new Condition(Measure.REQUESTS_PER_SECOND, Bound.MIN, 2);
  static final Condition ERRORS_DELTA = new Condition(Measure.ERROR_RATE, Bound.MAX_DELTA, 0.01);
  static final Condition P99_RATIO = new Condition(Measure.LATENCY_P99_MS, Bound.MAX_RATIO, 1.5);
  static final Condition VALUE_MAX = new Condition(Measure.VALUE, Bound.MAX, 0.05);

  static Stream<Arguments> table() {
    return Stream.of(
        // condition, min_requests, canary, stable, verdict, reason part
        Arguments.of(ERRORS_MAX_5, 10, Reading.of(0.01, 100), null, SUCCESSFUL, "within max"),
        Arguments.of(ERRORS_MAX_5, 10, Reading.of(0.05, 100), null, SUCCESSFUL, "within"),
        Arguments.of(ERRORS_MAX_5, 10, Reading.of(0.30, 100), null, FAILED, "above max 0.050"),
        Arguments.of(ERRORS_MAX_5, 10, Reading.of(0.0, 9), null, INCONCLUSIVE, "fewer than min"),
        Arguments.of(
            ERRORS_MAX_5, 1, Reading.of(Double.NaN, 0), null, INCONCLUSIVE, "served 0 requests"),
        Arguments.of(ERRORS_MAX_5, 1, Reading.failed("timeout"), null, INCONCLUSIVE, "timeout"),
        Arguments.of(P99_MAX_300, 1, Reading.of(120, 50), null, SUCCESSFUL, "within max 300"),
        Arguments.of(P99_MAX_300, 1, Reading.of(301, 50), null, FAILED, "above max 300"),
        Arguments.of(RPS_MIN_2, 1, Reading.of(5, 50), null, SUCCESSFUL, "within min 2"),
        Arguments.of(RPS_MIN_2, 1, Reading.of(1, 10), null, FAILED, "below min 2"),
        Arguments.of(RPS_MIN_2, 20, Reading.of(0, 0), null, INCONCLUSIVE, "fewer than"),
        // baseline: canary against stable over the same window
        Arguments.of(
            ERRORS_DELTA, 10, Reading.of(0.025, 100), Reading.of(0.02, 100), SUCCESSFUL, "stable"),
        Arguments.of(
            ERRORS_DELTA, 10, Reading.of(0.04, 100), Reading.of(0.02, 100), FAILED, "max_delta"),
        Arguments.of(
            P99_RATIO, 10, Reading.of(14, 100), Reading.of(10, 100), SUCCESSFUL, "max_ratio"),
        Arguments.of(P99_RATIO, 10, Reading.of(210, 100), Reading.of(10, 100), FAILED, "x stable"),
        Arguments.of(
            P99_RATIO, 10, Reading.of(14, 100), Reading.of(10, 3), INCONCLUSIVE, "stable release"),
        Arguments.of(P99_RATIO, 10, Reading.of(14, 100), null, INCONCLUSIVE, "no stable release"),
        Arguments.of(
            P99_RATIO,
            10,
            Reading.of(14, 100),
            Reading.failed("down"),
            INCONCLUSIVE,
            "stable release: down"),
        // a source without a sample size (prometheus, web): NaN and errors are inconclusive
        Arguments.of(VALUE_MAX, 100, Reading.unsized(0.01), null, SUCCESSFUL, "within"),
        Arguments.of(VALUE_MAX, 100, Reading.unsized(0.2), null, FAILED, "above"),
        Arguments.of(VALUE_MAX, 100, Reading.unsized(Double.NaN), null, INCONCLUSIVE, "NaN"),
        Arguments.of(
            VALUE_MAX,
            100,
            Reading.failed("prometheus: the query returned no sample"),
            null,
            INCONCLUSIVE,
            "no sample"));
  }

  @ParameterizedTest(name = "{0} min {1}: {2} vs {3} -> {4}")
  @MethodSource("table")
  @DisplayName("a measurement's verdict follows its condition, sample size and source")
  void verdicts(
      Condition c, int min, Reading canary, Reading stable, Verdict expected, String reason) {
    Judgement j = Verdicts.judge(c, min, canary, stable);
    assertThat(j.verdict()).as(j.reason()).isEqualTo(expected);
    assertThat(j.reason()).contains(reason);
  }

  @Test
  @DisplayName("zero traffic is never a pass, whatever the condition")
  void zeroTrafficNeverPasses() {
    TrafficSample none = new TrafficSample(10, 0, 0, null);
    for (Condition c : List.of(ERRORS_MAX_5, P99_MAX_300, RPS_MIN_2, ERRORS_DELTA, P99_RATIO)) {
      for (int min : List.of(1, 10)) {
        Reading r = Verdicts.builtin(c.measure(), none);
        Reading stable = Reading.of(0.0, 100);
        assertThat(Verdicts.judge(c, min, r, stable).verdict())
            .as(c.describe())
            .isEqualTo(INCONCLUSIVE);
      }
    }
  }

  @Test
  @DisplayName("a router sample gives error rate, requests per second and an interpolated p99")
  void builtinReadings() {
    long[] buckets = new long[TrafficSample.BUCKETS_MS.length + 1];
    buckets[0] = 98; // <= 5 ms
    buckets[5] = 2; // 100..250 ms
    TrafficSample t = new TrafficSample(10, 100, 7, buckets);
    assertThat(Verdicts.builtin(Measure.ERROR_RATE, t)).isEqualTo(Reading.of(0.07, 100));
    assertThat(Verdicts.builtin(Measure.REQUESTS_PER_SECOND, t).value()).isEqualTo(10.0);
    // rank 99 of 100 is the first of the two answers in (100, 250]: halfway through the bucket
    assertThat(t.p99Ms()).isEqualTo(175.0);
    long[] fast = new long[TrafficSample.BUCKETS_MS.length + 1];
    fast[0] = 100;
    assertThat(new TrafficSample(10, 100, 0, fast).p99Ms()).isEqualTo(4.95);
    long[] slowest = new long[TrafficSample.BUCKETS_MS.length + 1];
    slowest[TrafficSample.BUCKETS_MS.length] = 3;
    assertThat(new TrafficSample(1, 3, 0, slowest).p99Ms()).isEqualTo(10_000.0);
  }

  static MetricSpec metric(int count, int failureLimit, int inconclusiveLimit) {
    return new MetricSpec(
        "m", MetricSpec.BUILTIN, ERRORS_MAX_5, 5, count, failureLimit, inconclusiveLimit, Map.of());
  }

  static Stream<Arguments> tallies() {
    return Stream.of(
        Arguments.of(metric(3, 0, 0), List.of(), Tally.Phase.RUNNING),
        Arguments.of(metric(3, 0, 0), List.of(SUCCESSFUL, SUCCESSFUL), Tally.Phase.RUNNING),
        Arguments.of(
            metric(3, 0, 0), List.of(SUCCESSFUL, SUCCESSFUL, SUCCESSFUL), Tally.Phase.SUCCESSFUL),
        Arguments.of(metric(3, 0, 0), List.of(FAILED), Tally.Phase.FAILED),
        Arguments.of(metric(3, 1, 0), List.of(FAILED, SUCCESSFUL), Tally.Phase.RUNNING),
        Arguments.of(
            metric(3, 1, 0), List.of(FAILED, SUCCESSFUL, SUCCESSFUL), Tally.Phase.SUCCESSFUL),
        Arguments.of(metric(3, 1, 0), List.of(FAILED, FAILED), Tally.Phase.FAILED),
        Arguments.of(metric(3, 0, 0), List.of(INCONCLUSIVE), Tally.Phase.INCONCLUSIVE),
        Arguments.of(metric(3, 0, 1), List.of(INCONCLUSIVE, SUCCESSFUL), Tally.Phase.RUNNING),
        Arguments.of(
            metric(3, 0, 1), List.of(INCONCLUSIVE, INCONCLUSIVE), Tally.Phase.INCONCLUSIVE),
        Arguments.of(
            metric(3, 0, 1), List.of(INCONCLUSIVE, SUCCESSFUL, SUCCESSFUL), Tally.Phase.SUCCESSFUL),
        // failures are counted before inconclusive ones
        Arguments.of(metric(3, 0, 0), List.of(INCONCLUSIVE, FAILED), Tally.Phase.FAILED),
        // all measurements done, none successful: never a pass
        Arguments.of(metric(2, 1, 1), List.of(FAILED, INCONCLUSIVE), Tally.Phase.INCONCLUSIVE));
  }

  @ParameterizedTest(name = "{0}: {1} -> {2}")
  @MethodSource("tallies")
  @DisplayName("failure_limit and inconclusive_limit over count measurements decide a metric")
  void tally(MetricSpec m, List<Verdict> verdicts, Tally.Phase expected) {
    assertThat(Tally.of(verdicts).phase(m)).isEqualTo(expected);
  }

  @Test
  @DisplayName("one failed metric fails the analysis; inconclusive beats running; all must succeed")
  void overall() {
    assertThat(Tally.overall(List.of(Tally.Phase.SUCCESSFUL, Tally.Phase.FAILED)))
        .isEqualTo(Tally.Phase.FAILED);
    assertThat(Tally.overall(List.of(Tally.Phase.RUNNING, Tally.Phase.INCONCLUSIVE)))
        .isEqualTo(Tally.Phase.INCONCLUSIVE);
    assertThat(Tally.overall(List.of(Tally.Phase.SUCCESSFUL, Tally.Phase.RUNNING)))
        .isEqualTo(Tally.Phase.RUNNING);
    assertThat(Tally.overall(List.of(Tally.Phase.SUCCESSFUL, Tally.Phase.SUCCESSFUL)))
        .isEqualTo(Tally.Phase.SUCCESSFUL);
  }

  @Test
  @DisplayName("the k-th measurement is due after k intervals, and never more than count")
  void due() {
    MetricSpec m = metric(3, 0, 0);
    assertThat(Tally.due(m, 4_999)).isZero();
    assertThat(Tally.due(m, 5_000)).isEqualTo(1);
    assertThat(Tally.due(m, 14_000)).isEqualTo(2);
    assertThat(Tally.due(m, 60_000)).isEqualTo(3);
  }

  @Test
  @DisplayName(
      "Prometheus answers: one sample or a scalar is a value; nothing, NaN or errors are not")
  void prometheusAnswers() {
    io.vertx.core.json.JsonObject vector =
        new io.vertx.core.json.JsonObject(
            "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
                + "[{\"metric\":{},\"value\":[1.5,\"0.25\"]}]}}");
    assertThat(MetricSources.PrometheusResult.value(vector)).isEqualTo(Reading.unsized(0.25));
    io.vertx.core.json.JsonObject empty =
        new io.vertx.core.json.JsonObject(
            "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}");
    assertThat(MetricSources.PrometheusResult.value(empty).error()).contains("no sample");
    io.vertx.core.json.JsonObject nan =
        new io.vertx.core.json.JsonObject(
            "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1.5,\"NaN\"]}}");
    assertThat(
            Verdicts.judge(VALUE_MAX, 1, MetricSources.PrometheusResult.value(nan), null).verdict())
        .isEqualTo(INCONCLUSIVE);
    assertThat(MetricSources.JsonPath.number("{\"a\":{\"b\":[1,{\"c\":0.5}]}}", "$.a.b[1].c"))
        .isEqualTo(Reading.unsized(0.5));
    assertThat(MetricSources.JsonPath.number("{\"a\":{}}", "$.a.x").error()).contains("nothing at");
  }

  @Test
  @DisplayName(
      "prometheus/web with a sample query or path: min_requests applies; an unreadable sample size is inconclusive")
  void sizedSources() {
    String body = "{\"data\":{\"error_rate\":0.01,\"requests\":12}}";
    Reading value = MetricSources.JsonPath.number(body, "$.data.error_rate");
    Reading size = MetricSources.JsonPath.number(body, "$.data.requests");
    Reading sized = MetricSources.sized(value, size, "sample_path");
    assertThat(sized).isEqualTo(Reading.of(0.01, 12));
    assertThat(Verdicts.judge(VALUE_MAX, 10, sized, null).verdict()).isEqualTo(SUCCESSFUL);
    Judgement thin = Verdicts.judge(VALUE_MAX, 20, sized, null);
    assertThat(thin.verdict()).isEqualTo(INCONCLUSIVE);
    assertThat(thin.reason()).contains("served 12 requests, fewer than min_requests 20");
    // the sample size cannot be read: the value rests on an unknown number of requests
    Reading missing =
        MetricSources.sized(
            value, MetricSources.JsonPath.number(body, "$.data.count"), "sample_path");
    assertThat(missing.error()).startsWith("sample_path: web: nothing at");
    assertThat(Verdicts.judge(VALUE_MAX, 1, missing, null).verdict()).isEqualTo(INCONCLUSIVE);
    assertThat(MetricSources.sized(value, Reading.unsized(Double.NaN), "sample_query").error())
        .contains("no sample size");
    // zero requests behind a 0 % error rate: never a pass
    assertThat(
            Verdicts.judge(
                    VALUE_MAX,
                    1,
                    MetricSources.sized(Reading.unsized(0), Reading.unsized(0), "sample_query"),
                    null)
                .verdict())
        .isEqualTo(INCONCLUSIVE);
    // a value that failed stays failed, whatever the sample says
    assertThat(MetricSources.sized(Reading.failed("x"), size, "sample_path").error())
        .isEqualTo("x");
  }
}
