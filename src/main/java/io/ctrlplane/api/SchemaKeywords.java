package io.ctrlplane.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Reads the value of a schema keyword named by a validation error's keyword location ({@code
 * #/properties/env/$ref/propertyNames/pattern}), walking the unresolved document from the schema
 * that was applied and following {@code $ref}s on the way, so messages can quote the rule that was
 * broken.
 */
final class SchemaKeywords {
  private final JsonObject document;
  private final Object root;

  SchemaKeywords(JsonObject document, Object root) {
    this.document = document;
    this.root = root;
  }

  /** The value at {@code location}, or null when it cannot be found. */
  Object valueAt(String location) {
    String path = location.startsWith("#") ? location.substring(1) : location;
    Object node = root;
    for (String raw : path.split("/")) {
      if (raw.isEmpty()) {
        continue;
      }
      String segment = raw.replace("~1", "/").replace("~0", "~");
      node = step(node, segment);
      if (node == null) {
        return null;
      }
    }
    return node;
  }

  private Object step(Object node, String segment) {
    if (segment.equals("$ref")) {
      return node instanceof JsonObject o ? ref(o.getString("$ref")) : null;
    }
    if (node instanceof JsonArray array) {
      return segment.chars().allMatch(Character::isDigit)
              && Integer.parseInt(segment) < array.size()
          ? array.getValue(Integer.parseInt(segment))
          : null;
    }
    if (!(node instanceof JsonObject object)) {
      return null;
    }
    if (object.containsKey(segment)) {
      return object.getValue(segment);
    }
    // the validator reports locations inside a referenced schema as if it were inlined
    return object.containsKey("$ref") ? step(ref(object.getString("$ref")), segment) : null;
  }

  private Object ref(String ref) {
    if (ref == null || !ref.startsWith("#/")) {
      return null;
    }
    return new SchemaKeywords(document, document).valueAt(ref.substring(1));
  }
}
