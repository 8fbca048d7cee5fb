package io.ctrlplane.deploy;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Thrown when client input breaks a domain rule. Carries every {@link FieldError} found, so the
 * HTTP layer can return them all at once instead of making the client fix one problem per request.
 */
public class ValidationException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final List<FieldError> errors;

  public ValidationException(List<FieldError> errors) {
    // copyOf rejects null elements and detaches us from a list the caller may keep mutating.
    super(join(List.copyOf(errors)));
    this.errors = List.copyOf(errors);
  }

  public ValidationException(String field, String message) {
    this(List.of(new FieldError(field, message)));
  }

  private static String join(List<FieldError> errors) {
    // An exception that says "invalid" without saying why would be a bug in the caller.
    if (errors.isEmpty()) {
      throw new IllegalArgumentException("a ValidationException needs at least one FieldError");
    }
    return errors.stream().map(FieldError::toString).collect(Collectors.joining("; "));
  }

  /** The problems found, in the order they were detected; never empty and not modifiable. */
  public List<FieldError> errors() {
    return errors;
  }
}
