package io.ctrlplane.api;

import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON Schema type names in the words the domain validators use ("a whole number", "true or
 * false").
 */
final class SchemaTypes {
  private SchemaTypes() {}

  /**
   * @param type the {@code type} keyword (a name or a list of names), or, when it could not be
   *     read, the validator's message ("... Expected string, null")
   */
  static String describe(Object type) {
    List<String> names = new ArrayList<>();
    if (type instanceof JsonArray list) {
      list.forEach(t -> names.add(String.valueOf(t)));
    } else if (type instanceof String text && text.contains("Expected ")) {
      names.addAll(List.of(text.substring(text.lastIndexOf("Expected ") + 9).split(",\\s*")));
    } else {
      names.add(String.valueOf(type));
    }
    // an optional field may be null, but saying so would only distract from what is wanted
    List<String> words =
        names.stream().filter(n -> !n.equals("null")).map(SchemaTypes::word).toList();
    return words.isEmpty() ? "null" : String.join(" or ", words);
  }

  static boolean isInteger(Object type) {
    return "integer".equals(type) || type instanceof JsonArray list && list.contains("integer");
  }

  private static String word(String name) {
    return switch (name) {
      case "string" -> "a string";
      case "integer" -> "a whole number";
      case "number" -> "a number";
      case "boolean" -> "true or false";
      case "object" -> "a JSON object";
      case "array" -> "an array";
      default -> name;
    };
  }
}
