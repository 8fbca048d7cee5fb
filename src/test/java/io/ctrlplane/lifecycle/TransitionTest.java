package io.ctrlplane.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctrlplane.deploy.DeploymentState;
import io.ctrlplane.problem.Refusal;
import io.vertx.core.Future;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TransitionTest {

  static Stream<Arguments> allPairs() {
    return Arrays.stream(DeploymentState.values())
        .flatMap(from -> Arrays.stream(DeploymentState.values()).map(to -> Arguments.of(from, to)));
  }

  @Test
  @DisplayName("an illegal transition (succeeded → running) is refused as a conflict")
  void refusesAnIllegalTransition() {
    assertThatThrownBy(() -> Transition.of(DeploymentState.SUCCEEDED, DeploymentState.RUNNING))
        .isInstanceOfSatisfying(
            Refusal.class,
            r -> {
              assertThat(r.reason()).isEqualTo(Refusal.Reason.CONFLICT);
              assertThat(r.detail()).isEqualTo("a deployment cannot go from succeeded to running");
            });
  }

  @Test
  @DisplayName("a check of an illegal transition fails its future, so nothing after it runs")
  void checkFailsTheFutureOfAnIllegalTransition() {
    Future<Transition> checked =
        Transition.check(DeploymentState.FAILED, DeploymentState.CANCELLED);
    assertThat(checked.failed()).isTrue();
    assertThat(checked.cause()).isInstanceOf(Refusal.class);
    assertThat(checked.cause().getMessage())
        .isEqualTo("a deployment cannot go from failed to cancelled");
  }

  @Test
  @DisplayName("ending a running deployment as succeeded through the revert path is refused")
  void aRunningDeploymentCannotEndPendingOrRunning() {
    assertThat(Transition.check(DeploymentState.RUNNING, DeploymentState.PENDING).failed())
        .isTrue();
    assertThat(Transition.check(DeploymentState.RUNNING, DeploymentState.RUNNING).failed())
        .isTrue();
    assertThat(Transition.check(DeploymentState.RUNNING, DeploymentState.CANCELLED).succeeded())
        .isTrue();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("allPairs")
  @DisplayName("a transition can be made exactly when the state machine allows it")
  void followsTheStateMachine(DeploymentState from, DeploymentState to) {
    assertThat(Transition.check(from, to).succeeded()).isEqualTo(from.canTransitionTo(to));
  }

  @Test
  @DisplayName("the lifecycle's named transitions are all legal")
  void namedTransitionsAreLegal() {
    for (Transition t :
        new Transition[] {
          Transition.START, Transition.SUCCEED, Transition.CANCEL_PENDING, Transition.ROLL_BACK
        }) {
      assertThat(t.from().canTransitionTo(t.to())).isTrue();
    }
  }

  @Test
  @DisplayName("a claim holds a deployment only while it is running under the claim's epoch")
  void claimHoldsOnlyItsEpochWhileRunning() {
    Claim claim = new Claim("dep_1", "inst_1", 7, false);
    assertThat(claim.holds("running", 7)).isTrue();
    assertThat(claim.holds("running", 8)).isFalse();
    assertThat(claim.holds("succeeded", 7)).isFalse();
  }
}
