package io.ctrlplane.deploy;

import static io.ctrlplane.deploy.DeploymentState.CANCELLED;
import static io.ctrlplane.deploy.DeploymentState.FAILED;
import static io.ctrlplane.deploy.DeploymentState.PENDING;
import static io.ctrlplane.deploy.DeploymentState.ROLLED_BACK;
import static io.ctrlplane.deploy.DeploymentState.RUNNING;
import static io.ctrlplane.deploy.DeploymentState.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class DeploymentStateTest {

  // The specification, written out independently of the enum's own table.
  private static final Set<List<DeploymentState>> LEGAL =
      Set.of(
          List.of(PENDING, RUNNING),
          List.of(PENDING, CANCELLED),
          List.of(PENDING, FAILED),
          List.of(RUNNING, SUCCEEDED),
          List.of(RUNNING, FAILED),
          List.of(RUNNING, CANCELLED),
          List.of(SUCCEEDED, ROLLED_BACK));

  static Stream<Arguments> allPairs() {
    return Arrays.stream(DeploymentState.values())
        .flatMap(
            from ->
                Arrays.stream(DeploymentState.values())
                    .map(to -> Arguments.of(from, to, LEGAL.contains(List.of(from, to)))));
  }

  @Test
  void pairTableCoversAllThirtySixPairs() {
    assertThat(allPairs()).hasSize(36);
    assertThat(allPairs().filter(a -> (boolean) a.get()[2])).hasSize(LEGAL.size());
  }

  @ParameterizedTest(name = "{0} -> {1}: {2}")
  @MethodSource("allPairs")
  void allowsExactlyTheLegalTransitions(DeploymentState from, DeploymentState to, boolean legal) {
    assertThat(from.canTransitionTo(to)).isEqualTo(legal);
    assertThat(DeploymentState.allowedFrom(from).contains(to)).isEqualTo(legal);
  }

  @ParameterizedTest
  @EnumSource(DeploymentState.class)
  void allowedFromIsUnmodifiable(DeploymentState from) {
    Set<DeploymentState> allowed = DeploymentState.allowedFrom(from);

    assertThatThrownBy(() -> allowed.add(PENDING))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @ParameterizedTest(name = "{0} <-> {1}")
  @CsvSource({
    "PENDING, pending",
    "RUNNING, running",
    "SUCCEEDED, succeeded",
    "FAILED, failed",
    "CANCELLED, cancelled",
    "ROLLED_BACK, rolled_back"
  })
  void mapsToAndFromWire(DeploymentState state, String wire) {
    assertThat(state.wire()).isEqualTo(wire);
    assertThat(DeploymentState.fromWire(wire)).isSameAs(state);
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(
      strings = {"", "PENDING", "Rolled_Back", "rolled-back", "rolledback", " running", "done"})
  void rejectsUnknownWireValues(String wire) {
    assertThatThrownBy(() -> DeploymentState.fromWire(wire))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown deployment state");
  }

  @ParameterizedTest
  @CsvSource({
    "PENDING, false",
    "RUNNING, false",
    "SUCCEEDED, true",
    "FAILED, true",
    "CANCELLED, true",
    "ROLLED_BACK, true"
  })
  void knowsWhichStatesEndExecution(DeploymentState state, boolean terminal) {
    assertThat(state.isTerminal()).isEqualTo(terminal);
  }

  @Test
  void onlySucceededLeavesATerminalState() {
    Set<DeploymentState> terminalWithExits = EnumSet.noneOf(DeploymentState.class);
    for (DeploymentState s : DeploymentState.values()) {
      if (s.isTerminal() && !DeploymentState.allowedFrom(s).isEmpty()) {
        terminalWithExits.add(s);
      }
    }
    assertThat(terminalWithExits).containsExactly(SUCCEEDED);
  }
}
