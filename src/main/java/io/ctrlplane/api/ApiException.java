package io.ctrlplane.api;

/** A failure that already knows its problem document (404, 409, …). */
public class ApiException extends RuntimeException {
  private final transient Problem problem;

  public ApiException(Problem problem) {
    super(problem.detail(), null, false, false);
    this.problem = problem;
  }

  public static ApiException notFound(String detail) {
    return new ApiException(Problem.of(404, "Not Found", detail));
  }

  public static ApiException conflict(String detail) {
    return new ApiException(Problem.of(409, "Conflict", detail));
  }

  public Problem problem() {
    return problem;
  }
}
