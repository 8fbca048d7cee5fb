package io.ctrlplane.testing;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The one blocking HTTP client of the tests, so scenarios read top to bottom. Sends {@code
 * Authorization: Bearer <key>}: by default the test stack's bootstrap admin key, or the key given
 * to {@link #as}; a request that sets its own Authorization header sends that instead, and {@link
 * #NO_KEY} none. Its {@link #checked()} view also holds every blocking response to the OpenAPI
 * document ({@link ContractCheck}); {@link #raw()} is the view that does not.
 */
public final class ApiClient implements AutoCloseable {
  /** Pass to {@link #as} to send no Authorization header at all. */
  public static final String NO_KEY = "";

  private final WebClient client;
  private final String key;
  private final boolean owner;
  private final List<Consumer<Response>> listeners;
  private final Supplier<ContractCheck> contract;
  private final boolean checked;

  public ApiClient(Vertx vertx, int port) {
    // enough connections for the parallel-request tests to be truly parallel
    this(
        WebClient.create(
            vertx,
            new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port),
            new PoolOptions().setHttp1MaxSize(64)),
        TestStack.BOOTSTRAP_KEY,
        true,
        new CopyOnWriteArrayList<>(),
        memoize(() -> new ContractCheck(vertx)),
        false);
  }

  private ApiClient(
      WebClient client,
      String key,
      boolean owner,
      List<Consumer<Response>> listeners,
      Supplier<ContractCheck> contract,
      boolean checked) {
    this.client = client;
    this.key = key;
    this.owner = owner;
    this.listeners = listeners;
    this.contract = contract;
    this.checked = checked;
  }

  private static Supplier<ContractCheck> memoize(Supplier<ContractCheck> make) {
    ContractCheck[] once = new ContractCheck[1];
    return () -> {
      synchronized (once) {
        if (once[0] == null) {
          once[0] = make.get();
        }
        return once[0];
      }
    };
  }

  /**
   * The same client sending another key ({@link #NO_KEY}: none); closing it leaves this one open.
   */
  public ApiClient as(String otherKey) {
    return new ApiClient(client, otherKey, false, listeners, contract, checked);
  }

  /**
   * The same client, holding every blocking response to the OpenAPI document; closing it leaves
   * this one open.
   */
  public ApiClient checked() {
    return new ApiClient(client, key, false, listeners, contract, true);
  }

  /**
   * The unchecked view, for requests the document does not describe (unknown routes, wrong
   * methods).
   */
  public ApiClient raw() {
    return checked ? new ApiClient(client, key, false, listeners, contract, false) : this;
  }

  /**
   * Every response of this client and of its {@link #as} views is also given to {@code listener}.
   */
  public void onResponse(Consumer<Response> listener) {
    listeners.add(listener);
  }

  /**
   * A response: status, headers of interest, all headers and the parsed JSON body (null when not
   * JSON).
   */
  public record Response(
      int status,
      String contentType,
      String location,
      JsonObject json,
      String text,
      MultiMap headers) {
    public String header(String name) {
      return headers.get(name);
    }
  }

  public Response get(String path) {
    return send(HttpMethod.GET, path, null, Map.of());
  }

  public Response post(String path, JsonObject body) {
    return send(HttpMethod.POST, path, body == null ? null : body.encode(), Map.of());
  }

  public Response post(String path, JsonObject body, String idempotencyKey) {
    return post(path, body.encode(), Map.of("Idempotency-Key", idempotencyKey));
  }

  public Response post(String path, String rawBody, Map<String, String> headers) {
    return send(HttpMethod.POST, path, rawBody, headers);
  }

  public Response delete(String path) {
    return send(HttpMethod.DELETE, path, null, Map.of());
  }

  public Response send(HttpMethod method, String path) {
    return send(method, path, null, Map.of());
  }

  public Response send(HttpMethod method, String path, String body, Map<String, String> headers) {
    Response response = Await.result(sendAsync(method, path, body, headers));
    return checked ? contract.get().conforms(method, path, response) : response;
  }

  /** The same without waiting (and without the contract check), for many requests at once. */
  public Future<Response> sendAsync(
      HttpMethod method, String path, String body, Map<String, String> headers) {
    HttpRequest<Buffer> request = client.request(method, path);
    if (!key.isEmpty()) {
      request.putHeader("Authorization", "Bearer " + key);
    }
    headers.forEach(request::putHeader);
    if (body != null
        && headers.keySet().stream().noneMatch(h -> h.equalsIgnoreCase("content-type"))) {
      request.putHeader("content-type", "application/json");
    }
    return (body == null ? request.send() : request.sendBuffer(Buffer.buffer(body)))
        .map(
            r -> {
              String text = r.bodyAsString();
              JsonObject json = text != null && text.startsWith("{") ? new JsonObject(text) : null;
              Response response =
                  new Response(
                      r.statusCode(),
                      r.getHeader("content-type"),
                      r.getHeader("Location"),
                      json,
                      text,
                      r.headers());
              listeners.forEach(l -> l.accept(response));
              return response;
            });
  }

  @Override
  public void close() {
    if (owner) {
      client.close();
    }
  }
}
