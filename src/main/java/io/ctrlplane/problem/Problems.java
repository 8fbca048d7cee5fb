package io.ctrlplane.problem;

import io.ctrlplane.deploy.ValidationException;

/**
 * The one mapper from a failure to its problem document: domain refusals and validation errors get
 * their status here; anything else is an internal error (logged by the caller, never shown).
 */
public final class Problems {
  private static final Problem INTERNAL =
      Problem.of(500, "Internal Server Error", "an unexpected error occurred; it has been logged");

  private Problems() {}

  /** The problem for a known failure, or {@code null} when {@code failure} is not a known one. */
  public static Problem known(Throwable failure) {
    if (failure instanceof ProblemException p) {
      return p.problem();
    }
    if (failure instanceof Refusal r) {
      return new Problem(status(r.reason()), r.title(), r.detail(), r.errors());
    }
    if (failure instanceof ValidationException v) {
      return Problem.invalid(v.errors());
    }
    if (Unreachable.isUnreachable(failure)) {
      return Unreachable.DATABASE;
    }
    return null;
  }

  /** The problem for any failure: a known one's, else a 500 that reveals nothing. */
  public static Problem of(Throwable failure) {
    Problem known = known(failure);
    return known != null ? known : INTERNAL;
  }

  static int status(Refusal.Reason reason) {
    return switch (reason) {
      case NOT_FOUND -> 404;
      case CONFLICT -> 409;
      case GONE -> 410;
      case UNAVAILABLE -> 503;
      case BAD_PARAMETER -> 400;
      case UNPROCESSABLE -> 422;
      case FORBIDDEN -> 403;
    };
  }
}
