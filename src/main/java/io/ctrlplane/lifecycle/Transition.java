package io.ctrlplane.lifecycle;

import io.ctrlplane.deploy.DeploymentState;
import io.ctrlplane.problem.Refusal;
import io.vertx.core.Future;

/**
 * A change of a deployment's state, legal by {@link DeploymentState#canTransitionTo}: the only way
 * the lifecycle writes a state. An illegal one cannot be made (the factory refuses it with a
 * conflict), so it is never written; each write also names {@code from} in its WHERE clause, so the
 * row it changes is in the state the check was made for.
 */
public record Transition(DeploymentState from, DeploymentState to) {
  public static final Transition START =
      new Transition(DeploymentState.PENDING, DeploymentState.RUNNING);
  public static final Transition SUCCEED =
      new Transition(DeploymentState.RUNNING, DeploymentState.SUCCEEDED);
  public static final Transition CANCEL_PENDING =
      new Transition(DeploymentState.PENDING, DeploymentState.CANCELLED);
  public static final Transition ROLL_BACK =
      new Transition(DeploymentState.SUCCEEDED, DeploymentState.ROLLED_BACK);

  /**
   * @throws Refusal a conflict when the state machine forbids {@code from → to}
   */
  public Transition {
    if (!from.canTransitionTo(to)) {
      throw Refusal.conflict("a deployment cannot go from " + from.wire() + " to " + to.wire());
    }
  }

  public static Transition of(DeploymentState from, DeploymentState to) {
    return new Transition(from, to);
  }

  /** The legal transition, or a failed future carrying the refusal (nothing is written). */
  public static Future<Transition> check(DeploymentState from, DeploymentState to) {
    try {
      return Future.succeededFuture(new Transition(from, to));
    } catch (Refusal refused) {
      return Future.failedFuture(refused);
    }
  }
}
