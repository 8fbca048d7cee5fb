package io.ctrlplane.strategy;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parameters of the {@code rolling} strategy: replace instances a few at a time.
 *
 * <ul>
 *   <li>{@code max_surge} (default {@code "25%"}): how many instances may run above the desired
 *       replica count during the rollout;
 *   <li>{@code max_unavailable} (default {@code 0}): how many may be missing below it;
 *   <li>{@code min_ready_seconds} (0..3600, default 0): how long a new instance must stay ready
 *       before it counts as available.
 * </ul>
 *
 * <p>{@code max_surge} and {@code max_unavailable} are each a whole number &ge; 0 or a percentage
 * string {@code "0%"}..{@code "100%"} of the replica count. The form given is kept as-is, because a
 * percentage must be re-resolved whenever the instance is scaled; see {@link #resolve}.
 *
 * @param maxSurge a whole number (Integer) &ge; 0 or a percentage String, as given
 * @param maxUnavailable the same
 * @param minReadySeconds 0..3600
 * @param guards {@code background_analysis}, {@code bake_seconds} and {@code bake_analysis}
 *     (default: the background analysis); see {@link Guards}
 */
public record RollingParams(
    Object maxSurge, Object maxUnavailable, int minReadySeconds, Guards guards)
    implements StrategyParams {
  static final String MAX_SURGE = "max_surge";
  static final String MAX_UNAVAILABLE = "max_unavailable";
  static final String MIN_READY_SECONDS = "min_ready_seconds";
  static final List<String> KEYS =
      List.of(
          MAX_SURGE,
          MAX_UNAVAILABLE,
          MIN_READY_SECONDS,
          Guards.BACKGROUND_ANALYSIS,
          Guards.BAKE_SECONDS,
          Guards.BAKE_ANALYSIS);

  private static final String DEFAULT_MAX_SURGE = "25%";
  private static final int DEFAULT_MAX_UNAVAILABLE = 0;

  // No leading zeros, signs, spaces or fractions: one spelling per value keeps stored params
  // canonical.
  private static final Pattern PERCENT = Pattern.compile("(0|[1-9][0-9]?|100)%");

  public RollingParams {
    // fails on anything read() would not have produced
    resolve(maxSurge, 0, true);
    resolve(maxUnavailable, 0, false);
  }

  /** Without analyses. */
  public RollingParams(Object maxSurge, Object maxUnavailable, int minReadySeconds) {
    this(maxSurge, maxUnavailable, minReadySeconds, Guards.NONE);
  }

  static RollingParams read(ParamReader in) {
    Object surge = surgeOrUnavailable(in, MAX_SURGE, DEFAULT_MAX_SURGE);
    Object unavailable = surgeOrUnavailable(in, MAX_UNAVAILABLE, DEFAULT_MAX_UNAVAILABLE);
    Integer minReady = in.optionalWhole(MIN_READY_SECONDS, 0, 3600, 0);
    // Judged on the literal values: "10%" of 3 replicas is also 0 unavailable, but that depends on
    // the replica count at deploy time, and resolve() copes with it by raising the surge to 1.
    if (surge != null
        && unavailable != null
        && isLiteralZero(surge)
        && isLiteralZero(unavailable)) {
      in.report(in.path(), "max_surge and max_unavailable cannot both be 0");
    }
    if (in.hasProblems()) {
      return null;
    }
    Guards guards = Guards.read(in, true, List.of());
    return guards == null ? null : new RollingParams(surge, unavailable, minReady, guards);
  }

  @Override
  public Map<String, Object> toMap() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(MAX_SURGE, maxSurge);
    out.put(MAX_UNAVAILABLE, maxUnavailable);
    out.put(MIN_READY_SECONDS, minReadySeconds);
    guards.putInto(out);
    return out;
  }

  private static Object surgeOrUnavailable(ParamReader in, String key, Object fallback) {
    Object value = in.value(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof String text && PERCENT.matcher(text).matches()) {
      return text;
    }
    BigDecimal exact = Values.decimal(value);
    if (exact != null
        && Values.isWhole(exact)
        && exact.signum() >= 0
        && exact.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) <= 0) {
      return exact.intValueExact();
    }
    String got =
        value instanceof String text
            ? Values.quote(text)
            : exact != null ? value.toString() : Values.describe(value);
    in.report(
        in.path(key),
        "must be a whole number of at least 0 or a percentage from \"0%\" to \"100%\" (got "
            + got
            + ")");
    return null;
  }

  private static boolean isLiteralZero(Object value) {
    return "0%".equals(value) || Integer.valueOf(0).equals(value);
  }

  /**
   * Turns one {@code max_surge} or {@code max_unavailable} value into a number of instances.
   *
   * <p>A whole number is returned as-is. A percentage is taken of {@code replicas} and rounded up
   * when {@code roundUp} (use for max_surge) or down otherwise (use for max_unavailable), as
   * Kubernetes does: rounding errs towards extra capacity, never towards missing capacity. So with
   * 3 replicas, "25%" is a surge of 1 but 0 unavailable.
   *
   * <p>This method looks at one value only. The rule that a rollout can always make progress (a
   * surge of at least 1 when max_unavailable resolves to 0) needs both values: use {@link
   * #budget(int)}, which applies it.
   *
   * @param surgeOrUnavailable a normalized value: a whole number &ge; 0 or "0%".."100%"
   * @param replicas the desired replica count, &ge; 0
   * @throws IllegalArgumentException if the value was not normalized by {@link
   *     Strategies#normalize}
   */
  public static int resolve(Object surgeOrUnavailable, int replicas, boolean roundUp) {
    if (replicas < 0) {
      throw new IllegalArgumentException("replicas must be >= 0, got " + replicas);
    }
    if (surgeOrUnavailable instanceof String text) {
      Matcher m = PERCENT.matcher(text);
      if (!m.matches()) {
        throw new IllegalArgumentException("not a percentage from 0% to 100%: " + text);
      }
      long scaled = Long.parseLong(m.group(1)) * replicas;
      // Cannot exceed replicas, so the int cast is safe.
      return (int) (roundUp ? (scaled + 99) / 100 : scaled / 100);
    }
    BigDecimal exact = Values.decimal(surgeOrUnavailable);
    if (exact == null
        || !Values.isWhole(exact)
        || exact.signum() < 0
        || exact.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException(
          "not a whole number >= 0 or a percentage: " + surgeOrUnavailable);
    }
    return exact.intValueExact();
  }

  /**
   * The instance counts a rolling runner works with, for {@code replicas}.
   *
   * <ul>
   *   <li>max_unavailable is resolved rounding down and capped at {@code replicas}, since no more
   *       instances than exist can be taken away;
   *   <li>max_surge is resolved rounding up and, when max_unavailable came out as 0, raised to at
   *       least 1: with neither extra nor missing instances allowed, the rollout could never
   *       replace anything. (Kubernetes raises max_unavailable instead; we prefer briefly running
   *       one extra instance to briefly running one short.)
   * </ul>
   */
  public Budget budget(int replicas) {
    int unavailable = Math.min(resolve(maxUnavailable, replicas, false), replicas);
    int surge = resolve(maxSurge, replicas, true);
    if (unavailable == 0) {
      surge = Math.max(surge, 1);
    }
    return new Budget(surge, unavailable);
  }

  /**
   * Effective rollout limits for one replica count.
   *
   * @param maxSurge instances allowed above the replica count at any moment
   * @param maxUnavailable instances allowed below it at any moment
   */
  public record Budget(int maxSurge, int maxUnavailable) {}
}
