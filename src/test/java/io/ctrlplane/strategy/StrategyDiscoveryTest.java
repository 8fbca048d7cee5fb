package io.ctrlplane.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.example.allatonce.AllAtOnceStrategy;
import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.deploy.ValidationException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Strategies are discovered with ServiceLoader")
class StrategyDiscoveryTest {

  private static StrategyRegistry discoverWith(Path jar) throws Exception {
    URLClassLoader loader =
        new URLClassLoader(
            new URL[] {jar.toUri().toURL()}, StrategyDiscoveryTest.class.getClassLoader());
    return StrategyRegistry.discover(loader);
  }

  @Test
  @DisplayName("the four built-ins register through META-INF/services, in their documented order")
  void builtIns() {
    StrategyRegistry registry = StrategyRegistry.discover(Strategy.class.getClassLoader());
    assertThat(registry.names()).containsExactly("rolling", "blue-green", "canary", "recreate");
    assertThat(Strategies.names()).isEqualTo(registry.names());
  }

  @Test
  @DisplayName("a jar on the classpath adds a strategy that validates its own params and plans")
  void aJarAddsOne() throws Exception {
    StrategyRegistry registry = discoverWith(PluginJars.allAtOnce());

    assertThat(registry.names())
        .containsExactly("rolling", "blue-green", "canary", "recreate", "all-at-once");
    assertThat(registry.normalize("all-at-once", Map.of("min_ready_seconds", 2.0)).toMap())
        .containsExactly(
            Map.entry("min_ready_seconds", 2), Map.entry("progress_deadline_seconds", 600));
    assertThatThrownBy(() -> registry.normalize("all-at-once", Map.of("min_ready_seconds", 601)))
        .isInstanceOf(ValidationException.class)
        .extracting(e -> ((ValidationException) e).errors())
        .isEqualTo(
            List.of(
                new FieldError(
                    "strategy_params.min_ready_seconds", "must be between 0 and 600 (got 601)")));
    assertThatThrownBy(() -> registry.normalize("all-at-once", Map.of("max_surge", 1)))
        .extracting(e -> ((ValidationException) e).errors())
        .isEqualTo(
            List.of(
                new FieldError(
                    "strategy_params.max_surge",
                    "unknown parameter for strategy all-at-once; known: min_ready_seconds, "
                        + "progress_deadline_seconds")));
    assertThatThrownBy(() -> registry.normalize("all-at-twice", Map.of()))
        .extracting(e -> ((ValidationException) e).errors())
        .isEqualTo(
            List.of(
                new FieldError(
                    "strategy",
                    "unknown strategy 'all-at-twice': expected one of rolling, blue-green, canary, "
                        + "recreate, all-at-once")));

    Plan plan = registry.plan("all-at-once", 3, true, Map.of("min_ready_seconds", 1));
    assertThat(plan.strategy()).isEqualTo("all-at-once");
    assertThat(plan.steps().stream().map(Step::describe))
        .containsExactly(
            "set traffic old 100%",
            "ensure 3 ready replicas of new (ready for 1 s)",
            "set traffic new 100%",
            "stop every replica not of new");
    assertThat(plan.revert()).as("the shared revert steps").hasSize(3);
    Plan first = registry.plan("all-at-once", 2, false, Map.of("min_ready_seconds", 1));
    assertThat(first.steps())
        .as("the shared first-deploy plan, with the strategy's min ready time")
        .contains(new Step.EnsureReady(Side.NEW, 2, 1));
  }

  @Test
  @DisplayName("two strategies of one name are refused in one line that names both classes")
  void duplicateNames() {
    assertThatThrownBy(() -> discoverWith(PluginJars.duplicate()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "two strategies are named 'rolling': io.ctrlplane.strategy.RollingStrategy and "
                + "com.example.allatonce.AnotherRollingStrategy; remove one of them from the "
                + "classpath");
  }

  @Test
  @DisplayName("a name that is not a lower-case DNS label is refused")
  void invalidName() {
    Strategy<StrategyParams> shouting =
        new Strategy<>() {
          public String name() {
            return "All At Once";
          }

          public List<String> paramNames() {
            return List.of();
          }

          public StrategyParams readParams(ParamReader in) {
            return StrategyParams.NONE;
          }

          public Plan plan(RolloutSpec<StrategyParams> spec) {
            throw new UnsupportedOperationException();
          }
        };
    assertThatThrownBy(() -> StrategyRegistry.of(List.of(shouting)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("invalid name 'All At Once'");
  }

  @Test
  @DisplayName("names are listed built-ins first, whatever order the classpath gives")
  void orderDoesNotDependOnTheClasspath() {
    StrategyRegistry registry =
        StrategyRegistry.of(
            List.of(
                new AllAtOnceStrategy(),
                new RecreateStrategy(),
                new CanaryStrategy(),
                new RollingStrategy(),
                new BlueGreenStrategy()));
    assertThat(registry.names())
        .containsExactly("rolling", "blue-green", "canary", "recreate", "all-at-once");
  }
}
