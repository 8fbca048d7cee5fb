package io.ctrlplane.problem;

/**
 * A failure that already is its problem document: thrown by the HTTP edge (the API decides statuses
 * there: 401, 405, …). Code below the API throws {@link Refusal} instead.
 */
public class ProblemException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient Problem problem;

  public ProblemException(Problem problem) {
    super(problem.detail(), null, false, false);
    this.problem = problem;
  }

  public Problem problem() {
    return problem;
  }
}
