package io.ctrlplane.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctrlplane.api.ApiContract;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatableResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Holds real responses to the OpenAPI document: the status is documented for the operation, the
 * body matches its schema (closed objects, so no stray or camelCase field; RFC 3339 UTC times),
 * errors are problem+json, and every field name is snake_case.
 */
public final class ContractCheck {
  private static final Pattern SNAKE = Pattern.compile("[a-z][a-z0-9_]*");
  private final ApiContract contract;
  private final ResponseValidator validator;

  public ContractCheck(Vertx vertx) {
    this.contract = Await.result(ApiContract.load(vertx));
    this.validator = ResponseValidator.create(vertx, contract.contract());
  }

  /** Asserts {@code response} to {@code method path} is one the document describes; returns it. */
  public ApiClient.Response conforms(HttpMethod method, String path, ApiClient.Response response) {
    String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    Operation op = contract.contract().findOperation(bare, method);
    assertThat(op).as("documented operation for %s %s", method, bare).isNotNull();
    // the validator looks a response's media type up exactly, without parameters such as charset
    String type =
        response.contentType() == null ? null : response.contentType().split(";")[0].trim();
    if (response.status() >= 400) {
      assertThat(type)
          .as("error content type of %s %s", method, path)
          .isEqualTo("application/problem+json");
      type = "application/json"; // the validator's copy of the document names problem+json so
    } else if ("application/yaml".equals(type)) {
      type = "text/plain"; // and the document's own media type so
    }
    Map<String, String> headers = new HashMap<>();
    for (String name : new String[] {"Location", "Idempotent-Replayed"}) {
      if (response.header(name) != null) {
        headers.put(name, response.header(name));
      }
    }
    Buffer body =
        response.text() == null || response.text().isEmpty()
            ? null
            : Buffer.buffer(response.text());
    try {
      Await.result(
          validator.validate(
              ValidatableResponse.create(
                  response.status(), headers, body, body == null ? null : type),
              op.getOperationId()));
    } catch (SchemaValidationException e) {
      throw new AssertionError(
          method
              + " "
              + path
              + " "
              + response.status()
              + " breaks the contract: "
              + e.getMessage()
              + "\n"
              + response.text(),
          e);
    } catch (RuntimeException e) {
      throw new AssertionError(
          method + " " + path + " " + response.status() + " breaks the contract: " + e, e);
    }
    if (response.json() != null) {
      snakeCase(response.json(), "");
    }
    return response;
  }

  /**
   * Every field name below {@code node} is snake_case, except the user's own variable names (env,
   * secret_env).
   */
  private static void snakeCase(Object node, String path) {
    if (node instanceof JsonObject object) {
      for (String key : object.fieldNames()) {
        assertThat(key).as("field name at %s", path).matches(SNAKE);
        if (!key.equals("env") && !key.equals("secret_env")) {
          snakeCase(object.getValue(key), path + "." + key);
        }
      }
    } else if (node instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        snakeCase(array.getValue(i), path + "[" + i + "]");
      }
    }
  }
}
