package io.ctrlplane.analysis;

import io.ctrlplane.deploy.Doc;
import io.ctrlplane.deploy.Measurement;
import io.ctrlplane.lifecycle.AnalysisRecords;
import io.ctrlplane.lifecycle.Claim;
import io.ctrlplane.provider.Provider;
import io.ctrlplane.provider.ReleaseRef;
import io.ctrlplane.strategy.AnalysisSpec;
import io.ctrlplane.strategy.MetricSpec;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs one analysis step, one tick at a time: takes the measurements that are due (each metric's
 * k-th after k intervals in the step), stores each with its verdict, and says where the analysis
 * stands. Nothing is kept in memory: the stored series is the state, so a runner that takes over
 * carries on where the last one stopped.
 */
public final class Analyst {
  private final AnalysisRecords records;
  private final MetricSources sources;

  public Analyst(AnalysisRecords records, MetricSources sources) {
    this.records = records;
    this.sources = sources;
  }

  /** Where an analysis stands, and one line saying why. */
  public record Status(Tally.Phase phase, String message) {}

  /** What is analysed: the new release against the stable one (null on a first deploy). */
  public record Target(
      Claim claim,
      int step,
      Provider provider,
      ReleaseRef canary,
      ReleaseRef stable,
      Doc progress) {
    String label() {
      return "v" + canary.version();
    }
  }

  public Future<Status> tick(AnalysisSpec spec, Target t, long elapsedMs) {
    return tick(spec, t, elapsedMs, false);
  }

  /**
   * A background analysis: each metric measured every {@code interval_seconds} (the first one
   * {@code interval_seconds} after {@code sinceMs} ago, each later one an interval after the one
   * before, as stored) until the rollout ends or a limit is exceeded.
   */
  public Future<Status> tickBackground(AnalysisSpec spec, Target t, long sinceMs) {
    return tick(spec, t, sinceMs, true);
  }

  private Future<Status> tick(AnalysisSpec spec, Target t, long elapsedMs, boolean background) {
    return records
        .ofStep(t.claim().deploymentId(), t.step())
        .compose(
            stored -> {
              Map<String, List<Measurement>> byMetric = byMetric(stored);
              Future<Void> taken = Future.succeededFuture();
              for (MetricSpec m : spec.metrics()) {
                List<Measurement> series = byMetric.get(m.name());
                Tally tally =
                    Tally.of(series.stream().map(x -> Verdict.fromWire(x.verdict())).toList());
                boolean due =
                    background
                        ? Tally.dueAgain(
                            m,
                            series.isEmpty() ? null : last(series),
                            elapsedMs,
                            java.time.Instant.now())
                        : tally.taken() < Tally.due(m, elapsedMs);
                if (tally.phase(m) == Tally.Phase.RUNNING && due) {
                  int seq = tally.taken();
                  taken =
                      taken.compose(
                          v ->
                              measure(spec, m, t, seq)
                                  .map(
                                      x -> {
                                        series.add(x);
                                        return (Void) null;
                                      }));
                }
              }
              return taken.map(v -> status(spec, t, byMetric, elapsedMs));
            });
  }

  private Future<Measurement> measure(AnalysisSpec spec, MetricSpec m, Target t, int seq) {
    String instance = t.claim().instanceId();
    Future<Reading> canary;
    Future<Reading> stable;
    if (MetricSpec.BUILTIN.equals(m.provider())) {
      canary = MetricSources.builtin(t.provider(), m, instance, t.canary().id());
      stable =
          m.condition().baseline() && t.stable() != null
              ? MetricSources.builtin(t.provider(), m, instance, t.stable().id())
              : Future.succeededFuture(null);
    } else {
      MetricSources.Subject subject =
          new MetricSources.Subject(
              instance,
              t.canary().id(),
              t.canary().version(),
              t.stable() == null ? null : t.stable().id(),
              t.stable() == null ? null : t.stable().version());
      canary = sources.read(m, subject);
      stable = Future.succeededFuture(null);
    }
    return Future.all(canary, stable)
        .compose(
            all -> {
              Judgement j =
                  Verdicts.judge(
                      m.condition(), spec.minRequests(), all.resultAt(0), all.resultAt(1));
              Measurement x =
                  new Measurement(
                      t.claim().deploymentId(),
                      t.step(),
                      m.name(),
                      seq,
                      null,
                      m.intervalSeconds(),
                      m.condition().measure().wire(),
                      m.condition().describe(),
                      finite(j.value()),
                      finite(j.stableValue()),
                      finite(j.limit()),
                      j.verdict().wire(),
                      j.sampleSize() == Reading.UNSIZED ? null : j.sampleSize(),
                      j.reason());
              return records
                  .record(t.claim(), x, t.progress())
                  .onSuccess(
                      ok ->
                          AnalysisMetrics.verdict(
                              j.verdict().wire(), m.condition().measure().wire()))
                  .map(x);
            });
  }

  private static Status status(
      AnalysisSpec spec, Target t, Map<String, List<Measurement>> byMetric, long elapsedMs) {
    List<Tally.Phase> phases = new ArrayList<>();
    String failedWhy = null;
    String inconclusiveWhy = null;
    List<String> running = new ArrayList<>();
    for (MetricSpec m : spec.metrics()) {
      List<Measurement> series = byMetric.get(m.name());
      Tally tally = Tally.of(series.stream().map(x -> Verdict.fromWire(x.verdict())).toList());
      Tally.Phase phase = tally.phase(m);
      phases.add(phase);
      Measurement last = series.isEmpty() ? null : series.get(series.size() - 1);
      if (phase == Tally.Phase.FAILED && failedWhy == null) {
        failedWhy = failed(spec, m, t, tally, lastWith(series, Verdict.FAILED));
      } else if (phase == Tally.Phase.INCONCLUSIVE && inconclusiveWhy == null) {
        Measurement why = lastWith(series, Verdict.INCONCLUSIVE);
        inconclusiveWhy =
            "analysis inconclusive: metric "
                + m.name()
                + " of "
                + t.label()
                + ": "
                + tally.inconclusive()
                + " of "
                + tally.taken()
                + " measurements inconclusive (inconclusive_limit "
                + m.inconclusiveLimit()
                + ")"
                + (why == null ? "" : ", last: " + why.message())
                + "; promote to accept, cancel to revert";
      } else if (phase == Tally.Phase.RUNNING) {
        long next = (tally.taken() + 1) * m.intervalSeconds() * 1000L - elapsedMs;
        running.add(
            m.name()
                + " "
                + tally.taken()
                + "/"
                + m.count()
                + (last == null ? "" : " (" + last.verdict() + ")")
                + String.format(Locale.ROOT, ", next in %.1f s", Math.max(0, next) / 1000.0));
      }
    }
    Tally.Phase overall = Tally.overall(phases);
    return switch (overall) {
      case FAILED -> new Status(overall, failedWhy);
      case INCONCLUSIVE -> new Status(overall, inconclusiveWhy);
      case SUCCESSFUL -> new Status(overall, "analysis of " + t.label() + " successful");
      case RUNNING ->
          new Status(
              overall,
              spec.shorthand()
                  ? observing(spec, t, elapsedMs)
                  : "analysing " + t.label() + ": " + String.join("; ", running));
    };
  }

  /** The shorthand's waiting line, as it always read. */
  private static String observing(AnalysisSpec spec, Target t, long elapsedMs) {
    int window = spec.metrics().get(0).intervalSeconds();
    long leftMs = Math.max(0, window * 1000L - elapsedMs);
    return String.format(
        Locale.ROOT, "observing %s for %d s, %.1f s left", t.label(), window, leftMs / 1000.0);
  }

  private static String failed(
      AnalysisSpec spec, MetricSpec m, Target t, Tally tally, Measurement why) {
    if (spec.shorthand() && why != null && why.value() != null) {
      // the shorthand's message, as it always read
      return String.format(
          Locale.ROOT,
          "analysis failed: error rate of %s was %.3f over %d s, above max_error_rate %.3f",
          t.label(),
          why.value(),
          m.intervalSeconds(),
          m.condition().limit());
    }
    return "analysis failed: metric "
        + m.name()
        + " of "
        + t.label()
        + ": "
        + (why == null ? "" : why.message())
        + " over "
        + m.intervalSeconds()
        + " s ("
        + tally.failed()
        + " of "
        + tally.taken()
        + " measurements failed, failure_limit "
        + m.failureLimit()
        + ")";
  }

  private static java.time.Instant last(List<Measurement> series) {
    return series.get(series.size() - 1).takenAt();
  }

  private static Measurement lastWith(List<Measurement> series, Verdict v) {
    for (int i = series.size() - 1; i >= 0; i--) {
      if (v.wire().equals(series.get(i).verdict())) {
        return series.get(i);
      }
    }
    return null;
  }

  private static Map<String, List<Measurement>> byMetric(List<Measurement> stored) {
    Map<String, List<Measurement>> out = new HashMap<>();
    stored.forEach(m -> out.computeIfAbsent(m.metric(), k -> new ArrayList<>()).add(m));
    return new DefaultingMap(out);
  }

  /** A map whose missing keys read as empty, mutable lists. */
  private static final class DefaultingMap extends HashMap<String, List<Measurement>> {
    DefaultingMap(Map<String, List<Measurement>> m) {
      super(m);
    }

    @Override
    public List<Measurement> get(Object key) {
      return computeIfAbsent((String) key, k -> new ArrayList<>());
    }
  }

  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
