package io.ctrlplane.api;

import io.ctrlplane.deploy.FieldError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.OutputUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a JSON Schema validation result (vertx-json-schema's "basic" output: a flat list with
 * wrapper entries such as "Property x does not match schema") into one field error per actual
 * problem, with the field spelled as the domain validators spell it ({@code env.FOO}, {@code
 * event_types[0]}) and a message that says what would be accepted.
 */
final class SchemaErrors {
  /**
   * Keywords whose errors only say "something below failed"; the entries below carry the detail.
   */
  private static final Set<String> WRAPPERS =
      Set.of(
          "properties",
          "$ref",
          "items",
          "prefixItems",
          "patternProperties",
          "allOf",
          "propertyNames",
          "dependentSchemas",
          "unevaluatedProperties",
          "unevaluatedItems",
          "$dynamicRef",
          "$recursiveRef",
          "if",
          "then",
          "else");

  private static final Pattern REQUIRED = Pattern.compile("required property \"(.*)\"");

  private final SchemaKeywords keywords;
  private final Object body;

  /**
   * @param keywords reads keyword values (a pattern, a maximum) of the schema that was applied
   * @param body the validated instance, to tell array indexes from object keys in paths
   */
  SchemaErrors(SchemaKeywords keywords, Object body) {
    this.keywords = keywords;
    this.body = body;
  }

  List<FieldError> fieldErrors(OutputUnit result) {
    List<OutputUnit> units = result.getErrors() == null ? List.of() : result.getErrors();
    Set<FieldError> out = new LinkedHashSet<>();
    for (OutputUnit unit : units) {
      String keyword = lastSegment(unit.getKeywordLocation());
      if (WRAPPERS.contains(keyword)
          || keyword.equals("additionalProperties") && !isUnknownField(unit, units)) {
        continue;
      }
      if (keyword.equals("required")) {
        Matcher m = REQUIRED.matcher(unit.getError());
        String name = m.find() ? m.group(1) : "";
        out.add(new FieldError(field(unit.getInstanceLocation() + "/" + name), "is required"));
      } else {
        out.add(new FieldError(field(unit.getInstanceLocation()), message(keyword, unit)));
      }
    }
    return List.copyOf(out);
  }

  /**
   * vertx-json-schema 5.0 also reports a declared property that failed its own schema as
   * "additional": such an entry shares its location with other errors. A real unknown field has no
   * other error there; an extra entry that broke an additionalProperties schema (an env value) has
   * one below the keyword.
   */
  private static boolean isUnknownField(OutputUnit unit, List<OutputUnit> all) {
    return all.stream()
        .noneMatch(
            other ->
                other != unit && other.getInstanceLocation().equals(unit.getInstanceLocation()));
  }

  private String message(String keyword, OutputUnit unit) {
    String error = unit.getError();
    Object value = keywords.valueAt(unit.getKeywordLocation());
    return switch (keyword) {
      case "additionalProperties" -> "unknown field" + known(unit.getKeywordLocation());
      case "type" -> "must be " + SchemaTypes.describe(value != null ? value : error);
      case "enum" -> "must be one of " + enumValues(value);
      case "pattern" -> (underPropertyNames(unit) ? "name must match " : "must match ") + value;
      case "minLength" -> "must be at least " + value + " characters";
      case "maxLength" ->
          (underPropertyNames(unit) ? "name must be at most " : "must be at most ")
              + value
              + " characters";
      case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum" ->
          range(unit.getKeywordLocation());
      case "minProperties" -> "must have at least " + value + " entries";
      case "maxProperties" -> "must have at most " + value + " entries";
      case "minItems" ->
          "must have at least " + value + " item" + (Integer.valueOf(1).equals(value) ? "" : "s");
      case "maxItems" -> "must have at most " + value + " items";
      case "format" -> "must be a valid " + value;
      default -> error;
    };
  }

  /** Lists the declared fields next to an unknown one, as the domain validators do. */
  private String known(String additionalPropertiesLocation) {
    String parent =
        additionalPropertiesLocation.substring(0, additionalPropertiesLocation.lastIndexOf('/'));
    Object properties = keywords.valueAt(parent + "/properties");
    return properties instanceof JsonObject p
        ? "; expected some of " + new java.util.TreeSet<>(p.fieldNames())
        : "";
  }

  private String range(String keywordLocation) {
    String parent = keywordLocation.substring(0, keywordLocation.lastIndexOf('/'));
    Object min = keywords.valueAt(parent + "/minimum");
    Object max = keywords.valueAt(parent + "/maximum");
    Object exclusiveMin = keywords.valueAt(parent + "/exclusiveMinimum");
    String what =
        SchemaTypes.isInteger(keywords.valueAt(parent + "/type")) ? "a whole number" : "a number";
    String low =
        min != null ? "from " + min : exclusiveMin != null ? "above " + exclusiveMin : null;
    if (low != null && max != null) {
      return "must be " + what + " " + low + " to " + max;
    }
    return low != null ? "must be " + what + " " + low : "must be " + what + " of at most " + max;
  }

  private static boolean underPropertyNames(OutputUnit unit) {
    return unit.getKeywordLocation().contains("/propertyNames/");
  }

  private static String enumValues(Object value) {
    if (!(value instanceof JsonArray values)) {
      return "the documented values";
    }
    List<String> shown = new ArrayList<>();
    values.forEach(
        v -> {
          if (v != null) {
            shown.add(v.toString());
          }
        });
    return String.join(", ", shown);
  }

  /**
   * JSON pointer ({@code #/env/FOO}, {@code #/steps/2/set_weight}) to {@code env.FOO}, {@code
   * steps[2].set_weight}.
   */
  String field(String pointer) {
    String path = pointer.startsWith("#") ? pointer.substring(1) : pointer;
    StringBuilder out = new StringBuilder();
    Object node = body;
    for (String raw : path.split("/")) {
      if (raw.isEmpty()) {
        continue;
      }
      String segment = raw.replace("~1", "/").replace("~0", "~");
      if (node instanceof JsonArray array && segment.chars().allMatch(Character::isDigit)) {
        out.append('[').append(segment).append(']');
        int index = Integer.parseInt(segment);
        node = index < array.size() ? array.getValue(index) : null;
      } else {
        out.append(out.length() == 0 ? "" : ".").append(segment);
        node = node instanceof JsonObject object ? object.getValue(segment) : null;
      }
    }
    return out.length() == 0 ? "(body)" : out.toString();
  }

  private static String lastSegment(String location) {
    return location.substring(location.lastIndexOf('/') + 1);
  }
}
