package io.ctrlplane.api;

import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatableRequest;
import java.util.Map;

/**
 * A request as vertx-openapi extracted it, with its body declared JSON: {@link ContractValidation} has
 * already checked the Content-Type itself (case-insensitively, parameters allowed), and an absent body
 * stands as {@code {}}, which has no Content-Type to go by.
 */
final class JsonRequest implements ValidatableRequest {
  private final ValidatableRequest extracted;

  JsonRequest(ValidatableRequest extracted) {
    this.extracted = extracted;
  }

  @Override
  public String getContentType() {
    return extracted.getBody() == null ? null : "application/json";
  }

  @Override
  public Map<String, RequestParameter> getCookies() {
    return extracted.getCookies();
  }

  @Override
  public Map<String, RequestParameter> getPathParameters() {
    return extracted.getPathParameters();
  }

  @Override
  public Map<String, RequestParameter> getQuery() {
    return extracted.getQuery();
  }

  @Override
  public Map<String, RequestParameter> getHeaders() {
    return extracted.getHeaders();
  }

  @Override
  public RequestParameter getBody() {
    return extracted.getBody();
  }
}
