package io.ctrlplane.problem;

import io.ctrlplane.deploy.FieldError;
import java.util.List;

/**
 * A request the service refuses, named by what is wrong with it (not found, conflict, …). Stores
 * and features throw it; only {@link Problems} decides the HTTP status it becomes, so no code below
 * the API knows about HTTP.
 */
public final class Refusal extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What kind of refusal; each maps to exactly one status in {@link Problems}. */
  public enum Reason {
    /** The named thing does not exist (for this caller). */
    NOT_FOUND,
    /** The thing exists but its state forbids the request. */
    CONFLICT,
    /** The thing existed but is no longer available (e.g. pruned events). */
    GONE,
    /** A dependency of the request (an agent, the secrets key) is not available now. */
    UNAVAILABLE,
    /** A query parameter is malformed. */
    BAD_PARAMETER,
    /** The request is well-formed but cannot be processed as sent. */
    UNPROCESSABLE,
    /** The caller may not do this to this thing (e.g. approve its own deployment). */
    FORBIDDEN
  }

  private final Reason reason;
  private final String title;
  private final transient List<FieldError> errors;

  public Refusal(Reason reason, String title, String detail, List<FieldError> errors) {
    super(detail, null, false, false);
    this.reason = reason;
    this.title = title;
    this.errors = List.copyOf(errors);
  }

  public static Refusal notFound(String detail) {
    return new Refusal(Reason.NOT_FOUND, "Not Found", detail, List.of());
  }

  public static Refusal conflict(String detail) {
    return new Refusal(Reason.CONFLICT, "Conflict", detail, List.of());
  }

  public static Refusal gone(String detail) {
    return new Refusal(Reason.GONE, "Gone", detail, List.of());
  }

  public static Refusal unavailable(String title, String detail) {
    return new Refusal(Reason.UNAVAILABLE, title, detail, List.of());
  }

  public static Refusal badParameter(String field, String rule) {
    return new Refusal(
        Reason.BAD_PARAMETER,
        "Invalid query parameter",
        field + " " + rule,
        List.of(new FieldError(field, rule)));
  }

  public static Refusal unprocessable(String title, String detail) {
    return new Refusal(Reason.UNPROCESSABLE, title, detail, List.of());
  }

  public static Refusal forbidden(String detail) {
    return new Refusal(Reason.FORBIDDEN, "Forbidden", detail, List.of());
  }

  public Reason reason() {
    return reason;
  }

  public String title() {
    return title;
  }

  public String detail() {
    return getMessage();
  }

  public List<FieldError> errors() {
    return errors;
  }
}
