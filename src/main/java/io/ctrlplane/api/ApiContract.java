package io.ctrlplane.api;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The HTTP contract, {@code openapi.yaml} on the classpath: served as written, and loaded into
 * vertx-openapi to validate requests.
 */
public final class ApiContract {
  public static final String RESOURCE = "openapi.yaml";

  /**
   * vertx-openapi 5.0 refuses a document that names media types it cannot validate, even on
   * responses it is never asked to check. Ours are JSON underneath (problem+json) or the document
   * itself (yaml), or text (the event streams of the watch routes), so the copy given to the
   * validator names the closest type it knows; the served document is untouched.
   */
  private static final Map<String, String> VALIDATOR_MEDIA_TYPES =
      Map.of(
          "application/problem+json", "application/json",
          // a merge patch (RFC 7396) is JSON; PATCH documents both types with the same schema
          "application/merge-patch+json", "application/json",
          "application/yaml", "text/plain",
          "text/event-stream", "text/plain");

  private final Buffer document;
  private final JsonObject raw;
  private final OpenAPIContract contract;

  private ApiContract(Buffer document, JsonObject raw, OpenAPIContract contract) {
    this.document = document;
    this.raw = raw;
    this.contract = contract;
  }

  /** Reads and resolves the document; fails when it is not a valid OpenAPI 3.1 document. */
  public static Future<ApiContract> load(Vertx vertx) {
    // parsing ~40 KB of YAML is worker work, not event-loop work
    return vertx
        .fileSystem()
        .readFile(RESOURCE)
        .compose(
            bytes ->
                vertx
                    .executeBlocking(() -> parse(bytes))
                    .compose(
                        raw ->
                            OpenAPIContract.from(vertx, forValidator(raw))
                                .map(c -> new ApiContract(bytes, raw, c))));
  }

  /** The document as written, for {@code GET /openapi.yaml}. */
  public Buffer document() {
    return document;
  }

  /** The document as JSON, unresolved ({@code $ref}s kept), for reading schema keywords. */
  public JsonObject raw() {
    return raw;
  }

  public OpenAPIContract contract() {
    return contract;
  }

  private static JsonObject parse(Buffer bytes) {
    // SafeConstructor: plain maps, lists and scalars only; the JSON round trip makes every nested
    // map a JsonObject
    Object tree = new Yaml(new SafeConstructor(new LoaderOptions())).load(bytes.toString());
    return new JsonObject(Json.encode(tree));
  }

  private static JsonObject forValidator(JsonObject raw) {
    String text = raw.encode();
    for (Map.Entry<String, String> e : VALIDATOR_MEDIA_TYPES.entrySet()) {
      text = text.replace("\"" + e.getKey() + "\":", "\"" + e.getValue() + "\":");
    }
    return new JsonObject(text);
  }
}
