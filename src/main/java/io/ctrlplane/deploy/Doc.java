package io.ctrlplane.deploy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A free-form document the domain carries without interpreting it (provider config, strategy
 * params, env, a deployment's progress): an immutable, ordered map of JSON values (String, Number,
 * Boolean, null, nested {@code Map}s and {@code List}s). It is made from JSON and rendered back to
 * JSON only by {@link io.ctrlplane.deploy.codec.DeployJson}, which keeps key order, so a document
 * read from a row renders byte for byte as it was stored.
 */
public record Doc(Map<String, Object> fields) {
  public static final Doc EMPTY = new Doc(Map.of());

  public Doc {
    Objects.requireNonNull(fields, "fields");
    fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  public Object get(String key) {
    return fields.get(key);
  }

  public boolean isEmpty() {
    return fields.isEmpty();
  }
}
