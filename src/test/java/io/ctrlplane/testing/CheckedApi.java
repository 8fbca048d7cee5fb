package io.ctrlplane.testing;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The blocking API client, with every response held to the OpenAPI document ({@link
 * ContractCheck}).
 */
public final class CheckedApi implements AutoCloseable {
  private final ApiClient api;
  private final ContractCheck contract;

  public CheckedApi(Vertx vertx, int port) {
    this.api = new ApiClient(vertx, port);
    this.contract = new ContractCheck(vertx);
  }

  /**
   * The unchecked client, for requests the document does not describe (unknown routes, wrong
   * methods).
   */
  public ApiClient raw() {
    return api;
  }

  public ApiClient.Response get(String path) {
    return contract.conforms(HttpMethod.GET, path, api.get(path));
  }

  public ApiClient.Response post(String path, JsonObject body) {
    return contract.conforms(HttpMethod.POST, path, api.post(path, body));
  }

  public ApiClient.Response post(String path, JsonObject body, String idempotencyKey) {
    return post(path, body.encode(), Map.of("Idempotency-Key", idempotencyKey));
  }

  public ApiClient.Response post(String path, String rawBody, Map<String, String> headers) {
    return contract.conforms(HttpMethod.POST, path, api.post(path, rawBody, headers));
  }

  public ApiClient.Response send(HttpMethod method, String path) {
    return contract.conforms(method, path, api.send(method, path, null, Map.of()));
  }

  @Override
  public void close() {
    api.close();
  }
}
