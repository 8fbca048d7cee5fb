package io.ctrlplane.strategy;

import io.ctrlplane.deploy.ValidationException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.regex.Pattern;

/**
 * The strategies available to this process, by name, and the one gate their params pass through.
 *
 * <p>{@link #discover} finds them with {@link ServiceLoader}, so a jar that lists a {@link
 * Strategy} in {@code META-INF/services/io.ctrlplane.strategy.Strategy} adds one. Names are listed
 * (in "known strategies" messages) built-ins first, in their documented order, then the others by
 * name, so the list does not depend on the order of the classpath.
 */
public final class StrategyRegistry {
  // The built-ins' order in messages and docs; registering them is ServiceLoader's job.
  private static final List<String> BUILT_IN_ORDER =
      List.of(Strategies.ROLLING, Strategies.BLUE_GREEN, Strategies.CANARY, Strategies.RECREATE);
  // A DNS label, like instance names: safe in URLs, events and CLI flags.
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

  private final Map<String, Strategy<?>> byName;

  private StrategyRegistry(Map<String, Strategy<?>> byName) {
    this.byName = byName;
  }

  /**
   * Every strategy {@code loader} can see through {@code META-INF/services}.
   *
   * @throws IllegalStateException when two strategies have the same name, or a name is not a
   *     lower-case DNS label
   */
  public static StrategyRegistry discover(ClassLoader loader) {
    List<Strategy<?>> found = new ArrayList<>();
    for (Strategy<?> strategy : ServiceLoader.load(Strategy.class, loader)) {
      found.add(strategy);
    }
    return of(found);
  }

  /** A registry of exactly these strategies, checked as {@link #discover} checks them. */
  public static StrategyRegistry of(List<? extends Strategy<?>> strategies) {
    Map<String, Strategy<?>> byName = new LinkedHashMap<>();
    for (Strategy<?> strategy : strategies) {
      String name = strategy.name();
      if (name == null || !NAME.matcher(name).matches()) {
        throw new IllegalStateException(
            "strategy "
                + strategy.getClass().getName()
                + " has an invalid name '"
                + name
                + "': use lower-case letters, digits and '-', at most 63 characters");
      }
      Strategy<?> other = byName.putIfAbsent(name, strategy);
      if (other != null) {
        throw new IllegalStateException(
            "two strategies are named '"
                + name
                + "': "
                + other.getClass().getName()
                + " and "
                + strategy.getClass().getName()
                + "; remove one of them from the classpath");
      }
    }
    Map<String, Strategy<?>> ordered = new LinkedHashMap<>();
    byName.keySet().stream()
        .sorted(Comparator.comparing(StrategyRegistry::rank).thenComparing(n -> n))
        .forEach(n -> ordered.put(n, byName.get(n)));
    return new StrategyRegistry(ordered);
  }

  private static int rank(String name) {
    int index = BUILT_IN_ORDER.indexOf(name);
    return index < 0 ? BUILT_IN_ORDER.size() : index;
  }

  /** The names, built-ins first. */
  public List<String> names() {
    return List.copyOf(byName.keySet());
  }

  /** True for a registered name, spelled exactly (names are case-sensitive). */
  public boolean isKnown(String name) {
    return name != null && byName.containsKey(name);
  }

  /**
   * Validates {@code params} for {@code strategy}: see {@link Strategies#normalize}.
   *
   * @throws ValidationException listing every problem found
   */
  public NormalizedParams normalize(String strategy, Map<String, ?> params) {
    return read(require(strategy), params).normalized();
  }

  /**
   * The plan of a deployment, from params as stored (normalized: they pass again unchanged).
   *
   * @throws ValidationException if the stored params no longer pass (a plugin changed its rules)
   */
  public Plan plan(String strategy, int replicas, boolean hasPrevious, Map<String, ?> params) {
    return plan(require(strategy), replicas, hasPrevious, params);
  }

  private static <P extends StrategyParams> Plan plan(
      Strategy<P> strategy, int replicas, boolean hasPrevious, Map<String, ?> params) {
    return Plans.of(strategy, new RolloutSpec<>(replicas, hasPrevious, read(strategy, params).own));
  }

  private Strategy<?> require(String strategy) {
    if (isKnown(strategy)) {
      return byName.get(strategy);
    }
    String expected = "expected one of " + String.join(", ", byName.keySet());
    throw new ValidationException(
        "strategy",
        strategy == null
            ? "is required: " + expected
            : "unknown strategy " + Values.quote(strategy) + ": " + expected);
  }

  private static <P extends StrategyParams> Read<P> read(
      Strategy<P> strategy, Map<String, ?> params) {
    Problems problems = new Problems();
    ParamReader in = new ParamReader(params, Strategies.PARAMS_FIELD, problems);
    List<String> keys = new ArrayList<>(strategy.paramNames());
    keys.add(Strategies.PROGRESS_DEADLINE_SECONDS);
    in.rejectUnknownKeys(keys, "parameter for strategy " + strategy.name());
    P own = strategy.readParams(in);
    Integer deadline = in.optionalWhole(Strategies.PROGRESS_DEADLINE_SECONDS, 1, 86_400, 600);
    problems.throwIfAny();
    if (own == null) {
      throw new IllegalStateException(
          "strategy " + strategy.name() + " returned no params and reported no problem");
    }
    return new Read<>(strategy.name(), own, deadline);
  }

  private record Read<P extends StrategyParams>(String strategy, P own, int deadlineSeconds) {
    NormalizedParams normalized() {
      return new NormalizedParams(strategy, own, deadlineSeconds);
    }
  }
}
