package io.ctrlplane.strategy;

import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.deploy.ValidationException;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects every problem found while reading one {@code strategy_params} object, so a client sees
 * all of them in one 400 response instead of fixing them one request at a time.
 */
final class Problems {
  private final List<FieldError> errors = new ArrayList<>();

  void add(String field, String message) {
    errors.add(new FieldError(field, message));
  }

  int size() {
    return errors.size();
  }

  boolean isEmpty() {
    return errors.isEmpty();
  }

  void throwIfAny() {
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
  }
}
