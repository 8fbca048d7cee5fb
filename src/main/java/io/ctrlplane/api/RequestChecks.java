package io.ctrlplane.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.json.schema.JsonSchemaValidationException;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.contract.Style;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatableRequest;
import io.vertx.openapi.validation.ValidationContext;
import io.vertx.openapi.validation.ValidatorException;
import io.vertx.openapi.validation.transformer.FormTransformer;
import io.vertx.openapi.validation.transformer.LabelTransformer;
import io.vertx.openapi.validation.transformer.MatrixTransformer;
import io.vertx.openapi.validation.transformer.ParameterTransformer;
import io.vertx.openapi.validation.transformer.SimpleTransformer;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpenAPI document's checks of a request (its parameters, then its JSON body), with every
 * schema validator built once at start. vertx-openapi's {@code RequestValidator} builds a new
 * validator for each parameter of each request (copying the schema repository's lookup table every
 * time) and hops to a worker thread to do so: measured, that was about half of the API's CPU per
 * read (bench/RESULTS.md). The refusals are the same exceptions it throws, so {@link
 * ContractValidation} words them the same way. Validators hold only final state once built, so the
 * event loop and the workers that check big bodies share them.
 */
final class RequestChecks {
  private record ParameterCheck(
      Parameter parameter, ParameterTransformer transformer, Validator validator) {}

  private record OperationCheck(List<ParameterCheck> parameters, Validator body) {}

  private final Map<String, OperationCheck> byOperationId = new HashMap<>();

  RequestChecks(OpenAPIContract contract) {
    Map<Style, ParameterTransformer> transformers = new EnumMap<>(Style.class);
    transformers.put(Style.SIMPLE, new SimpleTransformer());
    transformers.put(Style.FORM, new FormTransformer());
    transformers.put(Style.LABEL, new LabelTransformer());
    transformers.put(Style.MATRIX, new MatrixTransformer());
    SchemaRepository schemas = contract.getSchemaRepository();
    for (Operation op : contract.operations()) {
      List<ParameterCheck> parameters =
          op.getParameters().stream()
              .map(
                  p ->
                      new ParameterCheck(
                          p, transformers.get(p.getStyle()), schemas.validator(p.getSchema())))
              .toList();
      MediaType json =
          op.getRequestBody() == null
              ? null
              : op.getRequestBody().getContent().get(MediaType.APPLICATION_JSON);
      byOperationId.put(
          op.getOperationId(),
          new OperationCheck(
              parameters, json == null ? null : schemas.validator(json.getSchema())));
    }
  }

  /**
   * Throws the {@link ValidatorException} of the first bad parameter, or of the body ({@code body}:
   * JSON bytes, already known to be a JSON object; null when the operation takes none).
   */
  void check(Operation operation, ValidatableRequest request, Buffer body) {
    OperationCheck check = byOperationId.get(operation.getOperationId());
    for (ParameterCheck p : check.parameters()) {
      checkParameter(p, source(request, p.parameter()).get(p.parameter().getName()));
    }
    if (check.body() != null && body != null) {
      OutputUnit result = check.body().validate(Json.decodeValue(body));
      try {
        result.checkValidity();
      } catch (JsonSchemaValidationException e) {
        throw SchemaValidationException.createInvalidValueBody(
            result, ValidationContext.REQUEST, e);
      }
    }
  }

  private static void checkParameter(ParameterCheck check, RequestParameter value) {
    Parameter parameter = check.parameter();
    if (value == null || value.isNull()) {
      if (parameter.isRequired()) {
        throw ValidatorException.createMissingRequiredParameter(parameter);
      }
      return;
    }
    if (check.transformer() == null) {
      throw ValidatorException.createUnsupportedValueFormat(parameter);
    }
    Object transformed = check.transformer().transform(parameter, String.valueOf(value.get()));
    OutputUnit result = check.validator().validate(transformed);
    try {
      result.checkValidity();
    } catch (JsonSchemaValidationException e) {
      throw SchemaValidationException.createInvalidValueParameter(parameter, result, e);
    }
  }

  private static Map<String, RequestParameter> source(
      ValidatableRequest request, Parameter parameter) {
    return switch (parameter.getIn()) {
      case PATH -> request.getPathParameters();
      case QUERY -> request.getQuery();
      case HEADER -> request.getHeaders();
      case COOKIE -> request.getCookies();
    };
  }
}
