package io.ctrlplane.api;

import io.vertx.json.schema.JsonSchema;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.validation.ValidatorErrorType;
import io.vertx.openapi.validation.ValidatorException;

/**
 * What a query, header or path parameter must look like, in words, from its schema in the document.
 */
final class ParameterRules {
  private ParameterRules() {}

  static String describe(Parameter parameter, ValidatorException failure) {
    if (failure.type() == ValidatorErrorType.MISSING_REQUIRED_PARAMETER) {
      return "is required";
    }
    JsonSchema schema = parameter.getSchema();
    Object type = schema.get("type");
    if (SchemaTypes.isInteger(type)) {
      return "must be a whole number" + range(schema.get("minimum"), schema.get("maximum"));
    }
    if ("string".equals(type)
        && (schema.containsKey("minLength") || schema.containsKey("maxLength"))) {
      Object min = schema.get("minLength");
      Object max = schema.get("maxLength");
      return "must be "
          + (min == null ? 0 : min)
          + " to "
          + (max == null ? "any number of" : max)
          + " characters";
    }
    return "is invalid: " + failure.getMessage();
  }

  private static String range(Object min, Object max) {
    if (min != null && max != null) {
      return " from " + min + " to " + max;
    }
    return min != null ? " of at least " + min : max != null ? " of at most " + max : "";
  }
}
