package io.ctrlplane.problem;

import io.vertx.core.eventbus.Message;
import org.slf4j.Logger;

/**
 * The event-bus side of the problem+json contract for answering verticles ({@code bus.Bus.serve}):
 * a handler's failure travels back as the problem document the API will send, with its status as
 * failure code.
 */
public final class ProblemReplies {
  private ProblemReplies() {}

  /**
   * Fails {@code msg} with the problem {@code e} stands for (a 500 problem, logged, when it is not
   * a known refusal): the status is the failure code, the document the failure message.
   */
  public static void fail(Message<?> msg, Throwable e, Logger log) {
    Problem problem = Problems.known(e);
    if (problem == null) {
      log.error("store request on {} failed", msg.address(), e);
      problem =
          Problem.of(500, "Internal Server Error", "the store could not complete the request");
    }
    msg.fail(problem.status(), problem.toJson().encode());
  }
}
